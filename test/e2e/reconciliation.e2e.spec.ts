import { ReconciliationSettings } from '../../src/modules/reconciliation/application/reconciliation-settings';
import { RunReconciliationUseCase } from '../../src/modules/reconciliation/application/run-reconciliation.use-case';
import { startTestApp, TEST_KEY, TestApp } from '../support/app';
import { fingerprint } from '../support/fingerprint';
import { finishedRun, pauseRunJob, uploadStatement } from '../support/reconciliation';

/** Small batches and fast polling: a run of a few rows still goes through several checkpoints. */
const SETTINGS = new ReconciliationSettings(1, ['127.0.0.1'], 5000, 2, 20, 60_000, 3);

const upload = uploadStatement;
const finished = finishedRun;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Reconciliation (issue 16) through real HTTP, on the backend the environment chooses (PGlite
 * without BLNK_DATA_SOURCE_DNS, PostgreSQL with it): a generated statement with known exact,
 * drifted, fuzzy and unmatched rows, and the counts and listed pairs exactly right.
 */
describe('reconciliation', () => {
  let t: TestApp;
  /** reference -> {id, created_at ms, amount} */
  const internal: Record<string, { id: string; at: number; amount: string }> = {};
  let ruleId: string;

  beforeAll(async () => {
    t = await startTestApp({ reconciliation: SETTINGS });
    const ledger = await t.http('POST', '/ledgers', { name: 'recon' });
    const bal = await t.http('POST', '/balances', {
      ledger_id: ledger.json.ledger_id,
      currency: 'USD',
    });
    const rows: [string, number, string][] = [
      ['pay-100', 100, 'Invoice 1001 ACME'],
      ['pay-250', 250, 'Salary March'],
      ['pay-400', 400, 'Rent office Lagos'],
      ['pay-700', 700, 'Stripe payout'],
      ['pay-1000', 1000, 'Wire from Globex'],
    ];
    for (const [reference, amount, description] of rows) {
      const r = await t.http('POST', '/transactions', {
        amount,
        precision: 100,
        reference,
        description,
        currency: 'USD',
        source: '@World',
        destination: bal.json.balance_id,
        allow_overdraft: true,
        skip_queue: true,
      });
      expect(r.status).toBe(201);
      internal[reference] = {
        id: r.json.transaction_id,
        at: Date.parse(r.json.created_at),
        amount: String(amount),
      };
    }
    const rule = await t.http('POST', '/reconciliation/matching-rules', {
      name: 'amount 1%, a day, description fuzzy',
      criteria: [
        { field: 'amount', operator: 'equals', allowable_drift: 0.01 },
        { field: 'date', operator: 'equals', allowable_drift: 86400 },
        { field: 'description', operator: 'contains', allowable_drift: 20 },
      ],
    });
    expect(rule.status).toBe(201);
    ruleId = rule.json.rule_id;
  });
  afterAll(() => t.close());

  /** The ground truth: which external row matches which internal one (undefined: none). */
  function statement() {
    const i = internal;
    return [
      // exact
      {
        id: 'ext-exact',
        amount: '100',
        date: iso(i['pay-100'].at),
        description: 'Invoice 1001 ACME',
        expect: 'pay-100',
      },
      // drifted: +0.5% amount, 5 hours later
      {
        id: 'ext-drift',
        amount: '251.25',
        date: iso(i['pay-250'].at + 5 * 3600_000),
        description: 'Salary March',
        expect: 'pay-250',
      },
      // fuzzy: two typos in 17 characters (20% allows 3)
      {
        id: 'ext-fuzzy',
        amount: '400',
        date: iso(i['pay-400'].at),
        description: 'Rent ofice Lagoss',
        expect: 'pay-400',
      },
      // exactly 1% of the internal amount (inclusive bound) within the SQL window
      {
        id: 'ext-bound',
        amount: '707',
        date: iso(i['pay-700'].at),
        description: 'Stripe payout',
        expect: 'pay-700',
      },
      // amount 2% off: no match
      {
        id: 'ext-amount-off',
        amount: '1020',
        date: iso(i['pay-1000'].at),
        description: 'Wire from Globex',
        expect: undefined,
      },
      // two days later: no match
      {
        id: 'ext-late',
        amount: '1000',
        date: iso(i['pay-1000'].at + 2 * 86400_000),
        description: 'Wire from Globex',
        expect: undefined,
      },
      // description unrelated: no match
      {
        id: 'ext-text-off',
        amount: '100',
        date: iso(i['pay-100'].at),
        description: 'Completely other thing',
        expect: undefined,
      },
    ];
  }
  const csv = (rows: ReturnType<typeof statement>) =>
    'ID,Amount,Currency,Reference,Description,Date\n' +
    rows.map((r) => `${r.id},${r.amount},USD,ref-${r.id},"${r.description}",${r.date}`).join('\n') +
    '\n';

  it('reconciles an uploaded CSV one_to_one: counts and listed pairs exactly right', async () => {
    const rows = statement();
    const up = await upload(t, 'statement.csv', csv(rows), 'bank-a');
    expect(up.status).toBe(200);
    expect(up.json).toEqual({
      upload_id: expect.stringMatching(/^upload_/),
      record_count: 7,
      source: 'bank-a',
    });
    const start = await t.http('POST', '/reconciliation/start', {
      upload_id: up.json.upload_id,
      strategy: 'one_to_one',
      matching_rule_ids: [ruleId],
    });
    expect(start.status).toBe(200);
    const done = await finished(t, start.json.reconciliation_id);
    expect(done).toMatchObject({
      status: 'completed',
      matched_transactions: 4,
      unmatched_transactions: 3,
      is_dry_run: false,
      progress: { processed: 7, total: 7 },
      eta_seconds: null,
    });
    const matches = await t.http(
      'GET',
      `/reconciliation/${start.json.reconciliation_id}/matches?limit=100`,
    );
    expect(
      matches.json.map((m: any) => [m.external_transaction_id, m.internal_transaction_id]),
    ).toEqual(rows.filter((r) => r.expect).map((r) => [r.id, internal[r.expect!].id]));
    expect(matches.json[1]).toMatchObject({ amount: 251.25, rule_id: ruleId });
    const unmatched = await t.http(
      'GET',
      `/reconciliation/${start.json.reconciliation_id}/unmatched`,
    );
    expect(unmatched.json.map((u: any) => u.external_transaction_id)).toEqual(
      rows.filter((r) => !r.expect).map((r) => r.id),
    );
    // Paginated.
    const second = await t.http(
      'GET',
      `/reconciliation/${start.json.reconciliation_id}/matches?limit=2&offset=2`,
    );
    expect(second.json.map((m: any) => m.external_transaction_id)).toEqual([
      'ext-fuzzy',
      'ext-bound',
    ]);
  });

  it('re-uploading the same statement answers the same upload; a changed row is refused by id', async () => {
    const rows = statement().map((r) => ({ ...r, id: `again-${r.id}` }));
    const first = await upload(t, 'a.csv', csv(rows), 'bank-b');
    expect(first.status).toBe(200);
    const before = await fingerprint(t.ds);
    const again = await upload(t, 'a.csv', csv(rows), 'bank-b');
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    const changed = rows.map((r, i) => (i === 2 ? { ...r, amount: '401' } : r));
    const refused = await upload(t, 'a.csv', csv(changed), 'bank-b');
    expect(refused.status).toBe(400);
    expect(refused.json.error_detail.code).toBe('RECON_UPLOAD_FAILED');
    expect(refused.json.error).toContain(`'again-ext-fuzzy'`);
    expect(refused.json.error_detail.details.errors[0]).toMatchObject({
      row: 3,
      column: 'id',
      id: 'again-ext-fuzzy',
    });
    // A part of the statement again is refused too (its rows belong to the first upload).
    const part = await upload(t, 'a.csv', csv(rows.slice(0, 2)), 'bank-b');
    expect(part.status).toBe(400);
    expect(await fingerprint(t.ds)).toEqual(before);
    // The same ids from another source are another statement.
    expect((await upload(t, 'a.csv', csv(rows), 'bank-c')).status).toBe(200);
  });

  it.each([
    [
      'a missing column',
      'id,amount,currency\n1,10,USD\n',
      'required column',
      { row: 0, column: 'date' },
    ],
    [
      'a wrong field count',
      'id,amount,currency,reference,description,date\nx1,10,USD,r,d,2024-01-01T00:00:00Z\nx2,10,USD,r,d\n',
      'fields',
      { row: 2 },
    ],
    [
      'a bad amount',
      'id,amount,currency,reference,description,date\nx1,ten,USD,r,d,2024-01-01T00:00:00Z\n',
      'not a decimal',
      { row: 1, column: 'amount', id: 'x1' },
    ],
    [
      'a bad date',
      'id,amount,currency,reference,description,date\nx1,10,USD,r,d,yesterday\n',
      'RFC 3339',
      { row: 1, column: 'date', id: 'x1' },
    ],
    [
      'an empty field',
      'id,amount,currency,reference,description,date\nx1,10,,r,d,2024-01-01T00:00:00Z\n',
      'currency is required',
      { row: 1, column: 'currency' },
    ],
    [
      'a repeated id',
      'id,amount,currency,reference,description,date\nx1,10,USD,r,d,2024-01-01T00:00:00Z\nx1,11,USD,r,d,2024-01-01T00:00:00Z\n',
      'rows 1, 2',
      { row: 2, id: 'x1' },
    ],
  ])(
    'refuses a file with %s as a whole, naming the row, and stores nothing',
    async (_what, content, message, fault) => {
      // A good row first: the refusal must not keep it.
      const before = await fingerprint(t.ds);
      const r = await upload(t, 'bad.csv', content, 'bank-bad');
      expect(r.status).toBe(400);
      expect(r.json.error_detail.code).toBe('RECON_UPLOAD_FAILED');
      expect(r.json.error).toContain(message);
      expect(r.json.error_detail.details.errors[0]).toMatchObject(fault);
      expect(await fingerprint(t.ds)).toEqual(before);
    },
  );

  it('refuses an unsupported file type, and a request with no file', async () => {
    const before = await fingerprint(t.ds);
    const r = await upload(t, 'notes.txt', 'hello world, nothing here\n');
    expect(r.status).toBe(400);
    expect(r.json.error).toContain('unsupported file type');
    const none = await fetch(`${t.url}/reconciliation/upload`, {
      method: 'POST',
      headers: { 'x-blnk-key': TEST_KEY },
      body: (() => {
        const f = new FormData();
        f.append('source', 'x');
        return f;
      })(),
    });
    expect(none.status).toBe(400);
    expect(((await none.json()) as any).error_detail.code).toBe('RECON_UPLOAD_FAILED');
    expect(await fingerprint(t.ds)).toEqual(before);
  });

  it('takes a JSON statement, streamed element by element', async () => {
    const rows = statement()
      .slice(0, 2)
      .map((r) => ({
        id: `json-${r.id}`,
        amount: Number(r.amount),
        currency: 'USD',
        reference: `ref-${r.id}`,
        description: r.description,
        date: r.date,
      }));
    const r = await upload(t, 'statement.json', JSON.stringify(rows), 'bank-json');
    expect(r.status).toBe(200);
    expect(r.json.record_count).toBe(2);
  });

  it('a dry run counts and records nothing', async () => {
    const rows = statement().map((r) => ({ ...r, id: `dry-${r.id}` }));
    const up = await upload(t, 'dry.csv', csv(rows), 'bank-dry');
    const start = await t.http('POST', '/reconciliation/start', {
      upload_id: up.json.upload_id,
      strategy: 'one_to_one',
      matching_rule_ids: [ruleId],
      dry_run: true,
    });
    const done = await finished(t, start.json.reconciliation_id);
    expect(done).toMatchObject({
      status: 'completed',
      matched_transactions: 4,
      unmatched_transactions: 3,
      is_dry_run: true,
    });
    expect(
      (await t.http('GET', `/reconciliation/${start.json.reconciliation_id}/matches`)).json,
    ).toEqual([]);
    expect(
      (await t.http('GET', `/reconciliation/${start.json.reconciliation_id}/unmatched`)).json,
    ).toEqual([]);
  });

  it('instant reconciliation matches inline rows', async () => {
    const rows = statement();
    const start = await t.http('POST', '/reconciliation/start-instant', {
      external_transactions: rows.map((r) => ({
        id: r.id,
        amount: Number(r.amount),
        currency: 'USD',
        reference: `ref-${r.id}`,
        description: r.description,
        date: r.date,
      })),
      strategy: 'one_to_one',
      matching_rule_ids: [ruleId],
    });
    expect(start.status).toBe(200);
    const done = await finished(t, start.json.reconciliation_id);
    expect(done).toMatchObject({
      status: 'completed',
      matched_transactions: 4,
      unmatched_transactions: 3,
    });
    expect(done.upload_id).toMatch(/^instant_/);
  });

  it('start refuses what it cannot run, with the reference codes, and writes nothing', async () => {
    const up = await upload(
      t,
      's.csv',
      csv(statement().map((r) => ({ ...r, id: `s-${r.id}` }))),
      'bank-s',
    );
    const before = await fingerprint(t.ds);
    const cases: [unknown, number, string][] = [
      [{ strategy: 'one_to_one', matching_rule_ids: [ruleId] }, 400, 'GEN_MALFORMED_REQUEST'],
      [
        { upload_id: up.json.upload_id, strategy: 'one_to_one', matching_rule_ids: [] },
        400,
        'RECON_MATCHING_RULES_REQUIRED',
      ],
      [
        { upload_id: up.json.upload_id, strategy: 'one_to_one', matching_rule_ids: ['rule_nope'] },
        404,
        'RECON_RULE_NOT_FOUND',
      ],
      [
        { upload_id: 'upload_nope', strategy: 'one_to_one', matching_rule_ids: [ruleId] },
        404,
        'GEN_NOT_FOUND',
      ],
      [
        { upload_id: up.json.upload_id, strategy: 'best_guess', matching_rule_ids: [ruleId] },
        400,
        'GEN_VALIDATION_ERROR',
      ],
      [
        {
          upload_id: up.json.upload_id,
          strategy: 'one_to_many',
          grouping_criteria: 'meta_data',
          matching_rule_ids: [ruleId],
        },
        400,
        'GEN_VALIDATION_ERROR',
      ],
    ];
    for (const [body, status, code] of cases) {
      const r = await t.http('POST', '/reconciliation/start', body);
      expect([r.status, r.json.error_detail.code]).toEqual([status, code]);
    }
    const instantEmpty = await t.http('POST', '/reconciliation/start-instant', {
      external_transactions: [],
      strategy: 'one_to_one',
      matching_rule_ids: [ruleId],
    });
    expect(instantEmpty.json.error_detail.code).toBe('RECON_EXTERNAL_TXNS_REQUIRED');
    expect((await t.http('GET', '/reconciliation/recon_nope')).json.error_detail.code).toBe(
      'RECON_NOT_FOUND',
    );
    expect(await fingerprint(t.ds)).toEqual(before);
  });

  it('matching rules: create, get, list, replace (created_at kept), delete, with Blnk messages', async () => {
    const bad: [unknown, string][] = [
      [{ criteria: [{ field: 'amount', operator: 'equals' }] }, 'rule name is required'],
      [{ name: 'x', criteria: [] }, 'at least one matching criteria is required'],
      [
        { name: 'x', criteria: [{ field: 'amount' }] },
        'field and operator are required for each criteria',
      ],
      [{ name: 'x', criteria: [{ field: 'amount', operator: 'like' }] }, 'invalid operator'],
      [{ name: 'x', criteria: [{ field: 'colour', operator: 'equals' }] }, 'invalid field'],
      [
        { name: 'x', criteria: [{ field: 'amount', operator: 'equals', allowable_drift: 1.5 }] },
        'drift for amount must be between 0 and 1',
      ],
      [
        { name: 'x', criteria: [{ field: 'date', operator: 'equals', allowable_drift: -1 }] },
        'drift for date must be non-negative (seconds)',
      ],
    ];
    const before = await fingerprint(t.ds);
    for (const [body, message] of bad) {
      const r = await t.http('POST', '/reconciliation/matching-rules', body);
      expect(r.status).toBe(400);
      expect(r.json.error_detail.code).toBe('RECON_RULE_INVALID');
      expect(r.json.error_detail.message).toContain(message);
    }
    expect(await fingerprint(t.ds)).toEqual(before);
    const created = await t.http('POST', '/reconciliation/matching-rules', {
      name: 'ref',
      description: 'reference equality',
      criteria: [{ field: 'reference', operator: 'equals', value: 'v', pattern: 'p' }],
    });
    const id = created.json.rule_id;
    expect(created.json.criteria).toEqual([
      { field: 'reference', operator: 'equals', value: 'v', pattern: 'p', allowable_drift: 0 },
    ]);
    expect((await t.http('GET', `/reconciliation/matching-rules/${id}`)).json).toEqual(
      created.json,
    );
    const listed = await t.http('GET', '/reconciliation/matching-rules?limit=100');
    expect(listed.json.map((r: any) => r.rule_id)).toContain(id);
    const replaced = await t.http('PUT', `/reconciliation/matching-rules/${id}`, {
      name: 'ref2',
      criteria: [{ field: 'currency', operator: 'equals' }],
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json).toMatchObject({
      rule_id: id,
      name: 'ref2',
      created_at: created.json.created_at,
      description: '',
    });
    expect((await t.http('DELETE', `/reconciliation/matching-rules/${id}`)).json).toEqual({
      message: 'Matching rule deleted successfully',
    });
    expect((await t.http('GET', `/reconciliation/matching-rules/${id}`)).status).toBe(404);
    expect(
      (await t.http('DELETE', `/reconciliation/matching-rules/${id}`)).json.error_detail.code,
    ).toBe('RECON_RULE_NOT_FOUND');
    expect(
      (
        await t.http('PUT', `/reconciliation/matching-rules/${id}`, {
          name: 'x',
          criteria: [{ field: 'amount', operator: 'equals' }],
        })
      ).status,
    ).toBe(404);
  });

  it('multipart anywhere else is 415', async () => {
    const form = new FormData();
    form.append('name', 'x');
    const r = await fetch(`${t.url}/ledgers`, {
      method: 'POST',
      headers: { 'x-blnk-key': TEST_KEY },
      body: form,
    });
    expect(r.status).toBe(415);
  });

  it('a run that crashed mid-way resumes at its checkpoint: nothing twice, nothing lost, one event', async () => {
    const rows = statement().map((r) => ({ ...r, id: `crash-${r.id}` }));
    const rule = (await t.http('GET', `/reconciliation/matching-rules/${ruleId}`)).json;
    // The rule as a run keeps it (reconciliation.mapper ruleJson).
    const asKept = (r: any) => ({
      ruleId: r.rule_id,
      name: r.name,
      description: r.description,
      criteria: r.criteria.map((c: any) => ({
        field: c.field,
        operator: c.operator,
        value: c.value,
        pattern: c.pattern,
        drift: String(c.allowable_drift),
      })),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    });
    const up = await upload(t, 'crash.csv', csv(rows), 'bank-crash');
    // Stop this server's job so the test drives the run by hand, as two workers.
    const resume = pauseRunJob(t);
    const runs = t.app.get(RunReconciliationUseCase);
    const id = await t.ds
      .query(
        `INSERT INTO reconciliations (reconciliation_id, upload_id, strategy, rules, dry_run, total, lease_owner, lease_until)
         SELECT 'recon_crash', $1, 'one_to_one', $2::jsonb, false, 7, 'held', now() + interval '1 hour'
         RETURNING reconciliation_id`,
        [up.json.upload_id, JSON.stringify([asKept(rule)])],
      )
      .then((r: { reconciliation_id: string }[]) => r[0].reconciliation_id);
    // Worker A takes it over from a holder that died, does one batch (2 rows), then dies too.
    await t.ds.query(
      `UPDATE reconciliations SET lease_until = now() - interval '1 second' WHERE reconciliation_id = $1`,
      [id],
    );
    let a = null;
    for (let i = 0; i < 50 && !a; i++) {
      const leased = await runs.lease('worker-a');
      if (leased?.reconciliationId === id) a = leased;
      else if (leased) await runs.giveBack(leased, 'worker-a');
    }
    expect(a).not.toBeNull();
    const afterA = await runs.step(a!, 'worker-a');
    expect(afterA).toMatchObject({ processed: 2 });
    await t.ds.query(
      `UPDATE reconciliations SET lease_until = now() - interval '1 second' WHERE reconciliation_id = $1`,
      [id],
    );
    // Worker B resumes from the checkpoint.
    let b = await runs.lease('worker-b');
    expect(b).toMatchObject({ reconciliationId: id, processed: 2 });
    // A wakes up and tries its next batch on its stale view: refused, nothing recorded.
    expect(await runs.step(afterA!, 'worker-a')).toBeNull();
    while (b) b = await runs.step(b, 'worker-b');
    const done = (await t.http('GET', `/reconciliation/${id}`)).json;
    expect(done).toMatchObject({
      status: 'completed',
      matched_transactions: 4,
      unmatched_transactions: 3,
      progress: { processed: 7, total: 7 },
    });
    const [{ n, distinct }] = await t.ds.query(
      `SELECT count(*)::int AS n, count(DISTINCT external_seq)::int AS distinct FROM reconciliation_matches WHERE reconciliation_id = $1`,
      [id],
    );
    expect([n, distinct]).toEqual([4, 4]);
    const [{ u }] = await t.ds.query(
      `SELECT count(*)::int AS u FROM reconciliation_unmatched WHERE reconciliation_id = $1`,
      [id],
    );
    expect(u).toBe(3);
    const events = await t.ds.query(
      `SELECT event, snapshot FROM event_outbox WHERE entity_id = $1`,
      [id],
    );
    expect(events).toHaveLength(1);
    expect(events[0].event).toBe('reconciliation.completed');
    expect(events[0].snapshot).toMatchObject({
      matched_transactions: 4,
      unmatched_transactions: 3,
      status: 'completed',
    });
    // A later write to the finished run (a stale worker releasing its lease, a retried final
    // update) is not a second end: still one event.
    await t.ds.query(
      `UPDATE reconciliations SET lease_owner = NULL, lease_until = NULL, status = status
       WHERE reconciliation_id = $1`,
      [id],
    );
    const again = await t.ds.query(
      `SELECT count(*)::int AS n FROM event_outbox WHERE entity_id = $1`,
      [id],
    );
    expect(again).toEqual([{ n: 1 }]);
    resume();
  });
});
