import { ReconciliationSettings } from '../../src/modules/reconciliation/application/reconciliation-settings';
import { RunReconciliationUseCase } from '../../src/modules/reconciliation/application/run-reconciliation.use-case';
import { startTestApp, TestApp } from '../support/app';
import { finishedRun, pauseRunJob, uploadStatement } from '../support/reconciliation';

/** Batches of 2: a run of a few rows still crosses checkpoints (and consumed groups cross them). */
const SETTINGS = new ReconciliationSettings(1, ['127.0.0.1'], 5000, 2, 20, 60_000, 3);

const iso = (ms: number) => new Date(ms).toISOString();

interface Internal {
  id: string;
  at: number;
}

async function setUp(t: TestApp) {
  const ledger = await t.http('POST', '/ledgers', { name: 'recon-groups' });
  const balance = async (currency: string) =>
    (await t.http('POST', '/balances', { ledger_id: ledger.json.ledger_id, currency })).json
      .balance_id as string;
  const pay = async (
    destination: string,
    amount: number,
    currency: string,
    description: string,
    inflight = false,
  ): Promise<Internal> => {
    const r = await t.http('POST', '/transactions', {
      amount,
      precision: 100,
      reference: `ref-${description}`,
      description,
      currency,
      source: '@World',
      destination,
      allow_overdraft: true,
      skip_queue: true,
      ...(inflight ? { inflight: true } : {}),
    });
    expect(r.status).toBe(201);
    return { id: r.json.transaction_id, at: Date.parse(r.json.created_at) };
  };
  const rule = async (criteria: unknown[]) =>
    (await t.http('POST', '/reconciliation/matching-rules', { name: 'r', criteria })).json
      .rule_id as string;
  return { balance, pay, rule };
}

async function run(
  t: TestApp,
  csv: string,
  source: string,
  body: Record<string, unknown>,
): Promise<{ id: string; done: any; pairs: [string, string][]; unmatched: string[] }> {
  const up = await uploadStatement(t, 's.csv', csv, source);
  expect(up.status).toBe(200);
  const start = await t.http('POST', '/reconciliation/start', {
    upload_id: up.json.upload_id,
    ...body,
  });
  expect(start.status).toBe(200);
  const id = start.json.reconciliation_id;
  const done = await finishedRun(t, id);
  const matches = (await t.http('GET', `/reconciliation/${id}/matches?limit=1000`)).json;
  const unmatched = (await t.http('GET', `/reconciliation/${id}/unmatched?limit=1000`)).json;
  return {
    id,
    done,
    pairs: matches
      .map((m: any) => [m.external_transaction_id, m.internal_transaction_id])
      .sort((a: string[], b: string[]) => (a.join() < b.join() ? -1 : 1)),
    unmatched: unmatched.map((u: any) => u.external_transaction_id),
  };
}

const sorted = (pairs: [string, string][]) =>
  [...pairs].sort((a, b) => (a.join() < b.join() ? -1 : 1));
const HEADER = 'id,amount,currency,reference,description,date\n';

/**
 * A dry run (its own upload), then the run: the same counts; the dry run lists and marks
 * nothing. Returns the real run.
 */
async function runAndDryRun(
  t: TestApp,
  csv: string,
  source: string,
  body: Record<string, unknown>,
  want: { matched: number; unmatched: string[]; pairs: [string, string][] },
) {
  const total = want.matched + want.unmatched.length;
  const counts = {
    status: 'completed',
    matched_transactions: want.matched,
    unmatched_transactions: want.unmatched.length,
    progress: { processed: total, total },
  };
  const dry = await run(t, csv, `${source}-dry`, { ...body, dry_run: true });
  expect(dry.done).toMatchObject({ ...counts, is_dry_run: true });
  expect([dry.pairs, dry.unmatched]).toEqual([[], []]);
  // A dry run leaves no mark on the transactions (reference §8.4).
  for (const [, internal] of want.pairs) {
    const meta = (await t.http('GET', `/transactions/${internal}`)).json.meta_data ?? {};
    expect(meta.reconciled).toBeUndefined();
  }
  const real = await run(t, csv, source, body);
  expect(real.done).toMatchObject(counts);
  expect(real.pairs).toEqual(sorted(want.pairs));
  expect(real.unmatched).toEqual(want.unmatched);
  return real;
}

/** The §8.4 keys GET /transactions/:id shows. */
async function reconciledKeys(t: TestApp, id: string) {
  const meta = (await t.http('GET', `/transactions/${id}`)).json.meta_data ?? {};
  return Object.fromEntries(
    ['reconciled', 'reconciliation_id', 'external_txn_id', 'reconciliation_amount']
      .filter((k) => k in meta)
      .map((k) => [k, meta[k]]),
  );
}

/**
 * one_to_many and many_to_one (reference §8.3) through real HTTP on the backend the environment
 * chooses: generated statements with known group matches, drift edges, consumed groups and MIXED
 * currencies, and the counts and listed pairs exactly right.
 */
describe('reconciliation one_to_many', () => {
  let t: TestApp;
  const i: Record<string, Internal> = {};
  let amountDateCurrency: string;
  let exactAmountCurrency: string;

  beforeAll(async () => {
    t = await startTestApp({ reconciliation: SETTINGS });
    const { balance, pay, rule } = await setUp(t);
    const [x, y, z, w, v, u] = [
      await balance('USD'),
      await balance('USD'),
      await balance('USD'),
      await balance('EUR'),
      await balance('USD'),
      await balance('EUR'),
    ];
    // Groups by destination, in the order of their first transaction:
    // X 100 USD (3), Y 200 USD, Z 100 USD (2), W 100 EUR, V 40 USD (a hold), U 60 EUR (a hold).
    i.x1 = await pay(x, 30, 'USD', 'Payout A1');
    i.x2 = await pay(x, 20, 'USD', 'Payout A2');
    i.x3 = await pay(x, 50, 'USD', 'Payout A3');
    i.y = await pay(y, 200, 'USD', 'Settlement B');
    i.z1 = await pay(z, 60, 'USD', 'Payout C1');
    i.z2 = await pay(z, 40, 'USD', 'Payout C2');
    i.w = await pay(w, 100, 'EUR', 'Euro payout');
    i.v = await pay(v, 40, 'USD', 'Hold 1', true);
    i.u = await pay(u, 60, 'EUR', 'Hold 2', true);
    amountDateCurrency = await rule([
      { field: 'amount', operator: 'equals', allowable_drift: 0.01 },
      { field: 'date', operator: 'equals', allowable_drift: 86400 },
      { field: 'currency', operator: 'equals' },
    ]);
    exactAmountCurrency = await rule([
      { field: 'amount', operator: 'equals', allowable_drift: 0 },
      { field: 'currency', operator: 'equals' },
    ]);
  });
  afterAll(() => t.close());

  it('groups by destination: a group is consumed, drift is of the group sum, counts and pairs exact', async () => {
    const now = iso(i.x1.at);
    const rows = [
      ['o1', '100', 'USD'], // X (the first group of 100)
      ['o2', '100.5', 'USD'], // X is taken: Z
      ['o3', '100', 'USD'], // X and Z taken, W is EUR: none
      ['o4', '198', 'USD'], // Y: |198 − 200| = 2 = 1% of 200 (inclusive)
      ['o5', '100', 'EUR'], // W
      ['o6', '40.5', 'USD'], // V: 0.5 > 1% of 40
      ['o7', '39.6', 'USD'], // V: 0.4 = 1% of 40
    ];
    const csv = HEADER + rows.map(([id, a, c]) => `${id},${a},${c},r-${id},d,${now}`).join('\n');
    const real = await runAndDryRun(
      t,
      csv,
      'bank-otm',
      {
        strategy: 'one_to_many',
        grouping_criteria: 'destination',
        matching_rule_ids: [amountDateCurrency],
      },
      {
        matched: 5,
        unmatched: ['o3', 'o6'],
        pairs: [
          ['o1', i.x1.id],
          ['o1', i.x2.id],
          ['o1', i.x3.id],
          ['o2', i.z1.id],
          ['o2', i.z2.id],
          ['o4', i.y.id],
          ['o5', i.w.id],
          ['o7', i.v.id],
        ],
      },
    );
    // Each member of a matched group carries the §8.4 keys, derived from the match; others none.
    for (const k of ['x1', 'x2', 'x3']) {
      expect(await reconciledKeys(t, i[k].id)).toEqual({
        reconciled: true,
        reconciliation_id: real.id,
        external_txn_id: 'o1',
        reconciliation_amount: 100,
      });
    }
    expect(await reconciledKeys(t, i.u.id)).toEqual({});
    // The list shows them too (one lookup for the page).
    const listed = (await t.http('GET', '/transactions?limit=100')).json;
    expect(listed.find((r: any) => r.transaction_id === i.z2.id).meta_data).toMatchObject({
      reconciled: true,
      external_txn_id: 'o2',
      reconciliation_amount: 100.5,
    });
    // The run's groups are working state: gone when it ends.
    const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM reconciliation_groups`);
    expect(n).toBe(0);
  });

  it('MIXED: a group of several currencies matches any currency (grouped by status)', async () => {
    const now = iso(i.x1.at);
    // APPLIED: 30+20+50+200+60+40+100 = 500 in USD and EUR; INFLIGHT: 40 USD + 60 EUR = 100.
    const csv =
      HEADER +
      [
        `m1,100,GBP,r1,d,${now}`, // INFLIGHT (MIXED)
        `m2,500,GBP,r2,d,${now}`, // APPLIED (MIXED)
        `m3,100,USD,r3,d,${now}`, // INFLIGHT is taken
      ].join('\n');
    const r = await run(t, csv, 'bank-mixed', {
      strategy: 'one_to_many',
      grouping_criteria: 'status',
      matching_rule_ids: [exactAmountCurrency],
    });
    expect(r.done).toMatchObject({ matched_transactions: 2, unmatched_transactions: 1 });
    expect(r.pairs).toEqual(
      sorted([
        ['m1', i.v.id],
        ['m1', i.u.id],
        ...['x1', 'x2', 'x3', 'y', 'z1', 'z2', 'w'].map((k) => ['m2', i[k].id] as [string, string]),
      ]),
    );
    expect(r.unmatched).toEqual(['m3']);
  });

  it('a group summary joins descriptions by " | ": text equals any part of it', async () => {
    const byDescription = await (
      await setUp(t)
    ).rule([{ field: 'description', operator: 'equals' }]);
    const csv = HEADER + `t1,1,USD,r,Payout C2,${iso(i.x1.at)}\n`;
    const r = await run(t, csv, 'bank-text', {
      strategy: 'one_to_many',
      grouping_criteria: 'destination',
      matching_rule_ids: [byDescription],
    });
    expect(r.pairs).toEqual(
      sorted([
        ['t1', i.z1.id],
        ['t1', i.z2.id],
      ]),
    );
  });

  it('an empty grouping value is a group of its own (no parent: not one group of all)', async () => {
    const csv = HEADER + `p1,30,USD,r,d,${iso(i.x1.at)}\n`;
    const r = await run(t, csv, 'bank-parent', {
      strategy: 'one_to_many',
      grouping_criteria: 'parent_transaction',
      matching_rule_ids: [amountDateCurrency],
    });
    expect(r.pairs).toEqual([['p1', i.x1.id]]);
  });

  it('a child of a matched transaction carries its keys; the latest match wins', async () => {
    // V was matched by o7, then (a later run) by m1; committing the hold makes a child row.
    const commit = await t.http('PUT', `/transactions/inflight/${i.v.id}`, {
      status: 'commit',
      skip_queue: true,
    });
    expect(commit.status).toBeLessThan(300);
    const children: { transaction_id: string }[] = await t.ds.query(
      `SELECT transaction_id FROM transactions WHERE parent_transaction = $1`,
      [i.v.id],
    );
    expect(children).toHaveLength(1);
    const child = children[0].transaction_id;
    expect(await reconciledKeys(t, child)).toMatchObject({
      reconciled: true,
      external_txn_id: 'm1',
      reconciliation_amount: 100,
    });
    expect(await reconciledKeys(t, i.v.id)).toMatchObject({ external_txn_id: 'm1' });
  });

  it('a group run that crashed resumes: the same groups, none consumed twice, one event', async () => {
    const now = iso(i.x1.at);
    const csv =
      HEADER +
      [
        ['c1', '100'], // X
        ['c2', '100'], // X is taken: Z
        ['c3', '100'], // both taken
        ['c4', '200'], // Y
      ]
        .map(([id, a]) => `${id},${a},USD,r-${id},d,${now}`)
        .join('\n');
    const up = await uploadStatement(t, 'crash.csv', csv, 'bank-crash');
    const rule = (await t.http('GET', `/reconciliation/matching-rules/${amountDateCurrency}`)).json;
    const kept = {
      ruleId: rule.rule_id,
      name: rule.name,
      description: rule.description,
      criteria: rule.criteria.map((c: any) => ({ ...c, drift: String(c.allowable_drift) })),
      createdAt: rule.created_at,
      updatedAt: rule.updated_at,
    };
    // Held by a worker that died (the lease expires at once), so this server's job stays away.
    await t.ds.query(
      `INSERT INTO reconciliations (reconciliation_id, upload_id, strategy, grouping_criteria, rules,
         dry_run, total, lease_owner, lease_until)
       VALUES ('recon_gcrash', $1, 'one_to_many', 'destination', $2::jsonb, false, 4, 'held',
         now() + interval '1 hour')`,
      [up.json.upload_id, JSON.stringify([kept])],
    );
    const expire = () =>
      t.ds.query(
        `UPDATE reconciliations SET lease_until = now() - interval '1 second'
          WHERE reconciliation_id = 'recon_gcrash'`,
      );
    const resume = pauseRunJob(t);
    const runs = t.app.get(RunReconciliationUseCase);
    const leaseIt = async (owner: string) => {
      for (let n = 0; n < 50; n++) {
        const r = await runs.lease(owner);
        if (r?.reconciliationId === 'recon_gcrash') return r;
        if (r) await runs.giveBack(r, owner);
      }
      throw new Error('not leased');
    };
    await expire();
    // Worker A makes the groups, matches one batch (c1 → X, c2 → Z), then dies.
    const a = await leaseIt('worker-a');
    const prepared = await runs.step(a, 'worker-a');
    expect(prepared).toMatchObject({ groupsReady: true, processed: 0 });
    const afterA = await runs.step(prepared!, 'worker-a');
    expect(afterA).toMatchObject({ processed: 2, matched: 2 });
    // Y's group grows to 210 now (c4 would miss it): the run keeps the groups it began with.
    const late = await t.http('POST', '/transactions', {
      amount: 10,
      precision: 100,
      reference: 'late-into-y',
      description: 'Late',
      currency: 'USD',
      source: '@World',
      destination: (await t.http('GET', `/transactions/${i.y.id}`)).json.destination,
      allow_overdraft: true,
      skip_queue: true,
    });
    expect(late.status).toBe(201);
    await expire();
    let b: Awaited<ReturnType<typeof runs.step>> = await leaseIt('worker-b');
    expect(b).toMatchObject({ processed: 2, groupsReady: true });
    // A wakes up: its next batch is refused.
    expect(await runs.step(afterA!, 'worker-a')).toBeNull();
    while (b) b = await runs.step(b, 'worker-b');
    const done = await finishedRun(t, 'recon_gcrash');
    expect(done).toMatchObject({
      status: 'completed',
      matched_transactions: 3,
      unmatched_transactions: 1,
      progress: { processed: 4, total: 4 },
    });
    const pairs: { e: string; i: string }[] = await t.ds.query(
      `SELECT external_id AS e, internal_transaction_id AS i FROM reconciliation_matches
        WHERE reconciliation_id = 'recon_gcrash'`,
    );
    expect(sorted(pairs.map((p) => [p.e, p.i]))).toEqual(
      sorted([
        ['c1', i.x1.id],
        ['c1', i.x2.id],
        ['c1', i.x3.id],
        ['c2', i.z1.id],
        ['c2', i.z2.id],
        ['c4', i.y.id],
      ]),
    );
    const events = await t.ds.query(
      `SELECT event FROM event_outbox WHERE entity_id = 'recon_gcrash'`,
    );
    expect(events).toEqual([{ event: 'reconciliation.completed' }]);
    resume();
  });
});

describe('reconciliation many_to_one', () => {
  let t: TestApp;
  const i: Record<string, Internal> = {};
  let amountDateCurrency: string;

  beforeAll(async () => {
    t = await startTestApp({ reconciliation: SETTINGS });
    const { balance, pay, rule } = await setUp(t);
    const d = await balance('USD');
    i.settle = await pay(d, 200, 'USD', 'Settlement B');
    i.refund1 = await pay(d, 100, 'USD', 'Refund batch 1');
    i.refund2 = await pay(d, 100, 'USD', 'Refund batch 2');
    i.odd = await pay(d, 75, 'USD', 'Odd one');
    amountDateCurrency = await rule([
      { field: 'amount', operator: 'equals', allowable_drift: 0.01 },
      { field: 'date', operator: 'equals', allowable_drift: 86400 },
      { field: 'currency', operator: 'equals' },
    ]);
  });
  afterAll(() => t.close());

  it('groups external rows by reference; each internal transaction is taken once', async () => {
    const now = iso(i.settle.at);
    const late = iso(i.settle.at + 3 * 86400_000);
    // Rows interleaved: groups are formed by reference, tried in order of their first row.
    const rows = [
      ['s1', '120', 'USD', 'SET-B', now], // SET-B 200: settle
      ['f1', '60', 'USD', 'RF-1', now], // RF-1 100: refund1 (the first by created_at)
      ['s2', '80', 'USD', 'SET-B', now],
      ['f2', '40', 'USD', 'RF-1', now],
      ['g1', '50', 'USD', 'RF-2', now], // RF-2 100.5: refund1 is taken: refund2
      ['g2', '50.5', 'USD', 'RF-2', now],
      ['h1', '100', 'USD', 'RF-3', now], // RF-3 100: both refunds taken: none
      ['k1', '30', 'EUR', 'ODD', now], // ODD 75 MIXED: odd (MIXED matches USD)
      ['k2', '45', 'USD', 'ODD', now],
      ['l1', '200', 'USD', 'LATE', late], // three days off: none
    ];
    const csv =
      HEADER + rows.map(([id, a, c, ref, at]) => `${id},${a},${c},${ref},d,${at}`).join('\n');
    await runAndDryRun(
      t,
      csv,
      'bank-mto',
      {
        strategy: 'many_to_one',
        grouping_criteria: 'reference',
        matching_rule_ids: [amountDateCurrency],
      },
      {
        matched: 8,
        unmatched: ['h1', 'l1'],
        pairs: [
          ['s1', i.settle.id],
          ['s2', i.settle.id],
          ['f1', i.refund1.id],
          ['f2', i.refund1.id],
          ['g1', i.refund2.id],
          ['g2', i.refund2.id],
          ['k1', i.odd.id],
          ['k2', i.odd.id],
        ],
      },
    );
    const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM reconciliation_claims`);
    expect(n).toBe(0);
  });
});
