import { startTestApp, TestApp } from '../support/app';
import { checkInvariants, checkQueuedOutcomes } from '../support/invariants';
import { ledgerClient } from '../support/ledger-client';
import { waitFor } from '../support/wait';

/** Holds through the queue: queued commit and void, expiry and auto-commit dates. */
describe('queued holds', () => {
  let t: TestApp;
  let ledger: string;
  let c: ReturnType<typeof ledgerClient>;
  const queued = (body: Record<string, unknown>) =>
    t.http('POST', '/transactions', { currency: 'USD', description: 'qh', ...body });
  const children = (id: string) =>
    t.ds.query(
      `SELECT status, precise_amount::text AS amount, reference FROM transactions WHERE parent_transaction = $1 ORDER BY id`,
      [id],
    ) as Promise<{ status: string; amount: string; reference: string }[]>;
  const until = <T>(probe: () => Promise<T | undefined>, what: string) =>
    waitFor(probe, 20000, what);
  const inflightOf = async (queuedId: string) =>
    until(async () => {
      const rows = await children(queuedId);
      return rows.find((r) => r.status === 'INFLIGHT') ? rows : undefined;
    }, 'the hold to be applied');

  beforeAll(async () => {
    t = await startTestApp();
    ledger = (await t.http('POST', '/ledgers', { name: 'qh' })).json.ledger_id;
    c = ledgerClient(t, () => ledger);
  });
  afterAll(async () => {
    await until(
      async () =>
        (await t.ds.query(`SELECT count(*)::int AS n FROM queued_work`))[0].n === 0
          ? true
          : undefined,
      'the queue to drain',
    );
    expect(await checkQueuedOutcomes(t.ds)).toEqual([]);
    expect(await checkInvariants(t.ds)).toEqual([]);
    await t.close();
  });

  it('commits a queued hold through its queued id, in order, even before the hold is applied', async () => {
    const [a, b] = [await c.balance(), await c.balance()];
    await c.fund(a, 1000, 'qh-fund');
    const hold = await queued({
      source: a,
      destination: b,
      precise_amount: 600,
      reference: 'qh-1',
      inflight: true,
    });
    // Sent right away: the commit waits for the hold to be applied.
    const commit = await t.http('PUT', `/transactions/inflight/${hold.json.transaction_id}`, {
      status: 'commit',
      precise_amount: 250,
    });
    expect(commit.status).toBe(200);
    expect(commit.json).toMatchObject({ queued: true, transaction_id: hold.json.transaction_id });
    await until(
      async () => ((await c.amountsOf(b)).balance === 250n ? true : undefined),
      'the commit',
    );
    expect(await c.amountsOf(a)).toMatchObject({ balance: 750n, inflight_debit_balance: 350n });
    const voided = await t.http('PUT', `/transactions/inflight/${hold.json.transaction_id}`, {
      status: 'void',
    });
    expect(voided.status).toBe(200);
    await until(
      async () => ((await c.amountsOf(a)).inflight_debit_balance === 0n ? true : undefined),
      'the void',
    );
    const outcome = (await inflightOf(hold.json.transaction_id)).find(
      (r) => r.status === 'INFLIGHT',
    )!;
    expect(outcome.reference).toBe('qh-1_q');
  });

  it('refuses now what is already known: over-commit, after void, a second pending action', async () => {
    const [a, b] = [await c.balance(), await c.balance()];
    await c.fund(a, 100, 'qh2-fund');
    const hold = await c.txn({
      source: a,
      destination: b,
      precise_amount: 100,
      reference: 'qh-2',
      inflight: true,
    });
    const id = hold.json.transaction_id;
    const over = await t.http('PUT', `/transactions/inflight/${id}`, {
      status: 'commit',
      precise_amount: 101,
    });
    expect(over.status).toBe(400);
    expect(over.json.error_detail.code).toBe('TXN_COMMIT_AMOUNT_EXCEEDED');
    // Two at once: one is accepted, the other told one is already waiting (or, if the first
    // was already applied, that the hold is settled).
    const [x, y] = await Promise.all([
      t.http('PUT', `/transactions/inflight/${id}`, { status: 'void' }),
      t.http('PUT', `/transactions/inflight/${id}`, { status: 'void' }),
    ]);
    expect([x.status, y.status].sort()).toEqual([200, 409]);
    await until(
      async () => ((await children(id)).some((r) => r.status === 'VOID') ? true : undefined),
      'the void',
    );
    const after = await t.http('PUT', `/transactions/inflight/${id}`, { status: 'commit' });
    expect(after.status).toBe(409);
    expect(after.json.error_detail.code).toBe('TXN_ALREADY_VOIDED');
    expect(
      (await t.http('PUT', '/transactions/inflight/txn_none', { status: 'void' })).status,
    ).toBe(404);
    expect((await children(id)).filter((r) => r.status === 'VOID')).toHaveLength(1);
  });

  it('bulk commit and void: each hold on its own, queued or now', async () => {
    const [a, b] = [await c.balance(), await c.balance()];
    await c.fund(a, 1000, 'qhb-fund');
    const hold = async (ref: string, amount: number) =>
      (
        await c.txn({
          source: a,
          destination: b,
          precise_amount: amount,
          reference: ref,
          inflight: true,
        })
      ).json.transaction_id as string;
    const [h1, h2, h3] = [
      await hold('qhb-1', 100),
      await hold('qhb-2', 100),
      await hold('qhb-3', 100),
    ];
    const now = await t.http('POST', '/transactions/inflight/bulk/commit', {
      skip_queue: true,
      transactions: [
        { transaction_id: h1, precise_amount: 40 },
        { transaction_id: 'txn_none' },
        { transaction_id: h1, precise_amount: 100 },
      ],
    });
    expect(now.status).toBe(200);
    expect(now.json).toMatchObject({
      succeeded: 1,
      failed: 2,
      results: [
        { transaction_id: h1, status: 'succeeded' },
        { transaction_id: 'txn_none', status: 'failed', code: 'NOT_FOUND' },
        { transaction_id: h1, status: 'failed', code: 'INVALID_AMOUNT' },
      ],
    });
    const queuedVoid = await t.http('POST', '/transactions/inflight/bulk/void', {
      transaction_ids: [h2, h3, h3],
    });
    const codes = queuedVoid.json.results.map((r: { code: string }) => r.code);
    expect(codes.slice(0, 2)).toEqual(['QUEUED', 'QUEUED']);
    // The same hold again: still waiting (ALREADY_QUEUED), or already voided by a fast worker.
    expect(['ALREADY_QUEUED', 'ALREADY_VOIDED']).toContain(codes[2]);
    await until(
      async () => ((await c.amountsOf(a)).inflight_debit_balance === 60n ? true : undefined),
      'the voids',
    );
    const dry = await t.http('POST', '/transactions/inflight/bulk/void', {
      transaction_ids: [h1],
      dry_run: true,
    });
    expect(dry.json.results[0]).toMatchObject({
      would_apply: true,
      operation: 'void',
      precise_amount: '60',
    });
    expect(
      (await t.http('POST', '/transactions/inflight/bulk/void', { transaction_ids: [] })).json
        .error_detail.code,
    ).toBe('TXN_BULK_EMPTY');
    const many = Array.from({ length: 101 }, () => h1);
    expect(
      (await t.http('POST', '/transactions/inflight/bulk/void', { transaction_ids: many })).json
        .error_detail.code,
    ).toBe('TXN_BULK_LIMIT_EXCEEDED');
  });

  it('a hold the worker rejected cannot be committed; settled rows never show inflight: true', async () => {
    const [a, b] = [await c.balance(), await c.balance()];
    const hold = await queued({
      source: a,
      destination: b,
      precise_amount: 50,
      reference: 'qh-rej',
      inflight: true,
    });
    await until(async () => {
      const r = await t.http('GET', '/transactions/reference/qh-rej_q');
      return r.status === 200 ? r.json : undefined;
    }, 'the rejection');
    const outcome = (await t.http('GET', '/transactions/reference/qh-rej_q')).json;
    expect(outcome).toMatchObject({ status: 'REJECTED', inflight: false });
    const commit = await t.http('PUT', `/transactions/inflight/${hold.json.transaction_id}`, {
      status: 'commit',
    });
    expect(commit.status).toBe(400);
    expect(commit.json.error_detail.code).toBe('TXN_NOT_INFLIGHT');
    expect(await c.amountsOf(a)).toMatchObject({ balance: 0n, inflight_debit_balance: 0n });
  });

  it('inflight_expiry_date voids what remains at expiry', async () => {
    const [a, b] = [await c.balance(), await c.balance()];
    await c.fund(a, 100, 'qh3-fund');
    const expiry = new Date(Date.now() + 1500).toISOString().replace(/\.\d+Z$/, 'Z');
    const hold = await c.txn({
      source: a,
      destination: b,
      precise_amount: 80,
      reference: 'qh-3',
      inflight: true,
      inflight_expiry_date: expiry,
    });
    expect(hold.status).toBe(201);
    expect(await c.amountsOf(a)).toMatchObject({ inflight_debit_balance: 80n });
    await until(
      async () => ((await c.amountsOf(a)).inflight_debit_balance === 0n ? true : undefined),
      'the expiry',
    );
    expect((await children(hold.json.transaction_id)).map((r) => r.status)).toEqual(['VOID']);
    expect((await c.amountsOf(a)).balance).toBe(100n);
  });

  it('inflight_commit_date commits at that time (queued hold)', async () => {
    const [a, b] = [await c.balance(), await c.balance()];
    await c.fund(a, 100, 'qh4-fund');
    const at = new Date(Date.now() + 1500).toISOString().replace(/\.\d+Z$/, 'Z');
    const hold = await queued({
      source: a,
      destination: b,
      precise_amount: 40,
      reference: 'qh-4',
      inflight: true,
      inflight_commit_date: at,
    });
    expect(hold.status).toBe(201);
    await until(
      async () => ((await c.amountsOf(b)).balance === 40n ? true : undefined),
      'the auto-commit',
    );
    expect(await c.amountsOf(a)).toMatchObject({ balance: 60n, inflight_debit_balance: 0n });
  });
});
