import { startTestApp, TestApp } from '../support/app';
import { checkInvariants, checkQueuedOutcomes } from '../support/invariants';
import { ledgerClient } from '../support/ledger-client';
import { waitFor } from '../support/wait';
import { QueueSettings } from '../../src/modules/transaction/application/queued/queue-settings';

type Client = ReturnType<typeof ledgerClient>;

/** `n` new USD balances of the client's ledger, opened one after another. */
const openBalances = async (c: Client, n: number): Promise<string[]> => {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await c.balance());
  return ids;
};
/** A USD transfer of a request body; `description` tells one suite's rows from another's. */
const itemOf =
  (description: string) =>
  (source: string, destination: string, amount: number, reference: string) => ({
    source,
    destination,
    precise_amount: amount,
    currency: 'USD',
    reference,
    description,
  });
/** A USD transfer split half and the rest between two destinations. */
const splitOf =
  (description: string) =>
  (source: string, to: [string, string], amount: number, reference: string) => ({
    source,
    destinations: [
      { identifier: to[0], distribution: '50%' },
      { identifier: to[1], distribution: 'left' },
    ],
    precise_amount: amount,
    currency: 'USD',
    reference,
    description,
  });
/** Commits every hold of a batch, by its batch id. */
const commitBatch = (t: TestApp, batchId: string) =>
  t.http('PUT', `/transactions/inflight/${batchId}`, { status: 'commit' });
/** Waits until no queued work is left in the database of `t`. */
const queueDrained = (t: TestApp) =>
  waitFor(
    async () =>
      (await t.ds.query(`SELECT count(*)::int AS n FROM queued_work`))[0].n === 0
        ? true
        : undefined,
    20000,
    'the queue to drain',
  );

/**
 * Bulk batches and holds (issue 10, items 5-8 and 11): hold dates on bulk items, scheduled items
 * of a synchronous batch, a queued commit of a whole batch, queued checks on synchronous bulk and
 * dry runs, and the index a queued batch's duplicate reference is reported at.
 */
describe('bulk batches and holds, hardened', () => {
  let t: TestApp;
  let ledger: string;
  let c: Client;
  const item = itemOf('bh');
  const split = splitOf('bh');
  const bulk = (body: Record<string, unknown>) => t.http('POST', '/transactions/bulk', body);
  // A date a moment ahead, for holds that must settle while the test waits.
  const soon = (ms = 1500) => new Date(Date.now() + ms).toISOString();
  const until = <T>(probe: () => Promise<T | undefined>, what: string) =>
    waitFor(probe, 20000, what);
  const drained = () => queueDrained(t);
  const amountsIs = (id: string, want: Record<string, bigint>, what: string) =>
    until(async () => {
      const a = await c.amountsOf(id);
      return Object.entries(want).every(([k, v]) => a[k] === v) ? a : undefined;
    }, what);

  beforeAll(async () => {
    t = await startTestApp();
    ledger = (await t.http('POST', '/ledgers', { name: 'bh' })).json.ledger_id;
    c = ledgerClient(t, () => ledger);
  });
  afterAll(async () => {
    await drained();
    expect(await checkQueuedOutcomes(t.ds)).toEqual([]);
    expect(await checkInvariants(t.ds)).toEqual([]);
    await t.close();
  });

  describe('item 5: hold dates on bulk items', () => {
    it('skip_queue, not atomic: each hold expires (item inflight, and a split hold)', async () => {
      const [a, b, x, y] = await openBalances(c, 4);
      await c.fund(a, 1000, 'bh5a-fund');
      const r = await bulk({
        skip_queue: true,
        transactions: [
          { ...item(a, b, 100, 'bh5a-1'), inflight: true, inflight_expiry_date: soon() },
          { ...split(a, [x, y], 200, 'bh5a-2'), inflight: true, inflight_expiry_date: soon() },
          item(a, b, 10, 'bh5a-3'),
        ],
      });
      expect(r.status).toBe(201);
      expect(await c.amountsOf(a)).toMatchObject({ balance: 990n, inflight_debit_balance: 300n });
      await amountsIs(a, { inflight_debit_balance: 0n }, 'the holds to expire');
      expect(await c.amountsOf(a)).toMatchObject({ balance: 990n });
      expect(await c.amountsOf(x)).toMatchObject({ balance: 0n, inflight_credit_balance: 0n });
      expect(await c.amountsOf(b)).toMatchObject({ balance: 10n, inflight_credit_balance: 0n });
    });

    it('skip_queue, atomic, bulk-level inflight: the commit date commits every hold', async () => {
      const [a, b, x, y] = await openBalances(c, 4);
      await c.fund(a, 1000, 'bh5b-fund');
      const r = await bulk({
        skip_queue: true,
        atomic: true,
        inflight: true,
        transactions: [
          { ...item(a, b, 100, 'bh5b-1'), inflight_commit_date: soon() },
          { ...split(a, [x, y], 200, 'bh5b-2'), inflight_commit_date: soon() },
        ],
      });
      expect(r.status).toBe(201);
      expect(r.json.status).toBe('inflight');
      await amountsIs(a, { inflight_debit_balance: 0n, balance: 700n }, 'the auto-commits');
      expect((await c.amountsOf(b)).balance).toBe(100n);
      expect((await c.amountsOf(x)).balance + (await c.amountsOf(y)).balance).toBe(200n);
    });

    it('queued, not atomic: a split hold inside the batch expires', async () => {
      const [a, b, x, y] = await openBalances(c, 4);
      await c.fund(a, 1000, 'bh5c-fund');
      const r = await bulk({
        transactions: [
          { ...split(a, [x, y], 200, 'bh5c-1'), inflight: true, inflight_expiry_date: soon(2500) },
          { ...item(a, b, 50, 'bh5c-2'), inflight: true, inflight_expiry_date: soon(2500) },
        ],
      });
      expect(r.status).toBe(201);
      await amountsIs(a, { inflight_debit_balance: 250n }, 'the holds to be applied');
      await amountsIs(a, { inflight_debit_balance: 0n, balance: 1000n }, 'the holds to expire');
      expect(await c.amountsOf(x)).toMatchObject({ balance: 0n, inflight_credit_balance: 0n });
    });

    it('queued, atomic: a split hold inside the batch is committed at its commit date', async () => {
      const [a, b, x, y] = await openBalances(c, 4);
      await c.fund(a, 1000, 'bh5d-fund');
      const r = await bulk({
        atomic: true,
        inflight: true,
        transactions: [
          item(a, b, 30, 'bh5d-1'),
          { ...split(a, [x, y], 200, 'bh5d-2'), inflight_commit_date: soon(2500) },
        ],
      });
      expect(r.status).toBe(201);
      await amountsIs(a, { inflight_debit_balance: 30n, balance: 800n }, 'the split auto-commit');
      expect((await c.amountsOf(x)).balance + (await c.amountsOf(y)).balance).toBe(200n);
      // The other hold of the batch had no date: still held.
      expect(await c.amountsOf(b)).toMatchObject({ balance: 0n, inflight_credit_balance: 30n });
    });
  });

  describe('item 6: scheduled items of a skip_queue batch', () => {
    for (const atomic of [false, true]) {
      it(`refuses the batch naming the item, applies nothing (atomic: ${atomic})`, async () => {
        const [a, b] = await openBalances(c, 2);
        await c.fund(a, 1000, `bh6-${atomic}-fund`);
        const later = new Date(Date.now() + 3600_000).toISOString();
        const r = await bulk({
          skip_queue: true,
          atomic,
          transactions: [
            item(a, b, 10, `bh6-${atomic}-1`),
            { ...item(a, b, 20, `bh6-${atomic}-2`), scheduled_for: later },
          ],
        });
        expect(r.status).toBe(400);
        expect(r.json.error_detail.code).toBe('TXN_VALIDATION_ERROR');
        expect(r.json.error).toContain('failed to queue transaction 2 (Reference: bh6-');
        expect(r.json.error).toContain('scheduled_for: cannot be combined with skip_queue');
        expect(r.json.error_detail.details).toMatchObject({ index: 1 });
        expect(r.json.batch_id).toMatch(/^bulk_/);
        expect(await c.amountsOf(a)).toMatchObject({ balance: 1000n });
        expect((await t.http('GET', `/transactions/reference/bh6-${atomic}-1`)).status).toBe(404);
      });
    }
  });

  describe('item 7: a queued commit of a queued, non-atomic batch', () => {
    it('is accepted while the holds are queued, then commits every hold of the batch', async () => {
      const [a, b, d, x, y] = await openBalances(c, 5);
      await c.fund(a, 1000, 'bh7a-fund');
      await c.fund(d, 1000, 'bh7a-fund-d');
      const r = await bulk({
        transactions: [
          item(a, b, 5, 'bh7a-0'),
          { ...item(a, b, 100, 'bh7a-1'), inflight: true },
          { ...split(d, [x, y], 200, 'bh7a-2'), inflight: true },
          { ...item(d, b, 40, 'bh7a-3'), inflight: true },
        ],
      });
      expect(r.status).toBe(201);
      const commit = await commitBatch(t, r.json.batch_id);
      expect(commit.status).toBe(200);
      expect(commit.json).toMatchObject({ queued: true, transaction_id: r.json.batch_id });
      await drained();
      expect(await c.amountsOf(a)).toMatchObject({ balance: 895n, inflight_debit_balance: 0n });
      expect(await c.amountsOf(d)).toMatchObject({ balance: 760n, inflight_debit_balance: 0n });
      expect(await c.amountsOf(b)).toMatchObject({ balance: 145n, inflight_credit_balance: 0n });
      expect((await c.amountsOf(x)).balance + (await c.amountsOf(y)).balance).toBe(200n);
    });

    it('a batch of only holds, committed right away by batch id', async () => {
      const [a, b, d] = await openBalances(c, 3);
      await c.fund(a, 1000, 'bh7b-fund');
      await c.fund(d, 1000, 'bh7b-fund-d');
      const r = await bulk({
        inflight: true,
        transactions: [
          item(a, b, 100, 'bh7b-1'),
          item(d, b, 200, 'bh7b-2'),
          item(a, b, 1, 'bh7b-3'),
        ],
      });
      expect(r.status).toBe(201);
      const commit = await commitBatch(t, r.json.batch_id);
      expect(commit.status).toBe(200);
      await drained();
      expect(await c.amountsOf(b)).toMatchObject({ balance: 301n, inflight_credit_balance: 0n });
    });

    it('refuses a batch with no hold at all', async () => {
      const [a, b] = await openBalances(c, 2);
      await c.fund(a, 1000, 'bh7c-fund');
      const r = await bulk({ transactions: [item(a, b, 1, 'bh7c-1'), item(a, b, 2, 'bh7c-2')] });
      const commit = await commitBatch(t, r.json.batch_id);
      expect(commit.status).toBe(400);
      expect(commit.json.error_detail.code).toBe('TXN_NOT_INFLIGHT');
    });
  });

  describe('item 11: where a queued batch reports a duplicate reference', () => {
    const refused = async (transactions: unknown[], index: number) => {
      const r = await bulk({ transactions });
      expect(r.status).toBe(409);
      expect(r.json.error_detail.code).toBe('TXN_DUPLICATE_REFERENCE');
      expect(r.json.error_detail.details).toMatchObject({ index });
      expect(r.json.error).toContain(`failed to queue transaction ${index + 1} `);
      return r;
    };

    it('in-batch duplicates: the later item', async () => {
      const [a, b, x] = await openBalances(c, 3);
      await refused([item(a, b, 1, 'bh11-a'), item(a, b, 1, 'bh11-b'), item(a, b, 1, 'bh11-a')], 2);
      // X then X_q: the second claims what the first's outcome will be referenced.
      await refused([item(a, b, 1, 'bh11-c'), item(a, b, 1, 'bh11-c_q')], 1);
      // A plain item named like a later split's leg: the split is the duplicate.
      await refused([item(a, b, 1, 'bh11-d_1'), split(a, [b, x], 2, 'bh11-d')], 1);
      for (const ref of ['bh11-a', 'bh11-b', 'bh11-c', 'bh11-d_1', 'bh11-d_1_q'])
        expect((await t.http('GET', `/transactions/reference/${ref}`)).status).toBe(404);
    });

    it('a reference taken before: the item that uses it', async () => {
      const [a, b] = await openBalances(c, 2);
      await c.fund(a, 10, 'bh11-taken');
      await refused([item(a, b, 1, 'bh11-e'), item(a, b, 1, 'bh11-taken')], 1);
      // A queued request's outcome reference, claimed when it was accepted.
      const q = await t.http('POST', '/transactions', item(b, a, 1, 'bh11-queued'));
      expect(q.status).toBe(201);
      await refused([item(a, b, 1, 'bh11-f'), item(a, b, 1, 'bh11-queued_q')], 1);
    });
  });
});

describe('item 8: transaction.enable_queued_checks on synchronous bulk and dry runs', () => {
  let t: TestApp;
  let c: Client;
  const body = itemOf('qc');

  beforeAll(async () => {
    // No workers: the queued debit stays queued for the whole test.
    t = await startTestApp({
      workers: false,
      queueSettings: new QueueSettings(4, 100, 1000, 500, true),
    });
    const ledger = (await t.http('POST', '/ledgers', { name: 'qc' })).json.ledger_id;
    c = ledgerClient(t, () => ledger);
  });
  afterAll(async () => {
    await t.close();
  });

  const setUp = async (tag: string) => {
    const [a, b] = await openBalances(c, 2);
    await c.fund(a, 100, `${tag}-fund`);
    const q = await t.http('POST', '/transactions', body(a, b, 80, `${tag}-queued`));
    expect(q.status).toBe(201);
    return [a, b];
  };

  for (const atomic of [false, true]) {
    it(`a skip_queue bulk (atomic: ${atomic}) must leave queued debits covered`, async () => {
      const tag = `qc8-${atomic}`;
      const [a, b] = await setUp(tag);
      const r = await t.http('POST', '/transactions/bulk', {
        skip_queue: true,
        atomic,
        transactions: [body(a, b, 15, `${tag}-1`), body(a, b, 15, `${tag}-2`)],
      });
      expect(r.status).toBe(400);
      expect(r.json.error_detail.code).toBe('TXN_INSUFFICIENT_FUNDS');
      expect(r.json.error).toContain('failed to queue transaction 2 ');
      // Not atomic: the first, covered, stays; atomic: nothing.
      expect((await c.amountsOf(a)).balance).toBe(atomic ? 100n : 85n);
    });
  }

  it('the dry run of a refused skip_queue request says would_apply: false', async () => {
    const [a, b] = await setUp('qc8-dry');
    const dry = await t.http('POST', '/transactions', {
      ...body(a, b, 30, 'qc8-dry-1'),
      skip_queue: true,
      dry_run: true,
    });
    expect(dry.status).toBe(200);
    expect(dry.json).toMatchObject({ would_apply: false });
    expect(dry.json.rejection).toMatchObject({ code: 'TXN_INSUFFICIENT_FUNDS' });
    const ok = await t.http('POST', '/transactions', {
      ...body(a, b, 20, 'qc8-dry-2'),
      skip_queue: true,
      dry_run: true,
    });
    expect(ok.json).toMatchObject({ would_apply: true });
    const real = await c.txn(body(a, b, 30, 'qc8-dry-3'));
    expect(real.status).toBe(400);
  });

  it('the dry run of a skip_queue bulk projects the queued debits too', async () => {
    const [a, b] = await setUp('qc8-bdry');
    const dry = await t.http('POST', '/transactions/bulk', {
      skip_queue: true,
      dry_run: true,
      transactions: [body(a, b, 15, 'qc8-bdry-1'), body(a, b, 15, 'qc8-bdry-2')],
    });
    expect(dry.status).toBe(200);
    expect(dry.json.results.map((p: { would_apply: boolean }) => p.would_apply)).toEqual([
      true,
      false,
    ]);
  });
});

describe('item 7: a queued commit of a batch whose holds are all still queued', () => {
  let t: TestApp;
  let c: Client;
  const item = itemOf('q7');
  const split = splitOf('q7');

  beforeAll(async () => {
    // No workers here: the batch and the commit are accepted while nothing is applied; a second
    // server over the same database then drains it.
    t = await startTestApp({ workers: false });
    const ledger = (await t.http('POST', '/ledgers', { name: 'q7' })).json.ledger_id;
    c = ledgerClient(t, () => ledger);
  });
  afterAll(async () => {
    await t.close();
  });

  it('accepts it, and commits every hold of the batch once they are applied', async () => {
    const [a, b, d, x, y] = await openBalances(c, 5);
    await c.fund(a, 1000, 'q7-fund');
    await c.fund(d, 1000, 'q7-fund-d');
    const r = await t.http('POST', '/transactions/bulk', {
      transactions: [
        item(a, b, 5, 'q7-0'),
        { ...item(a, b, 100, 'q7-1'), inflight: true },
        { ...split(d, [x, y], 200, 'q7-2'), inflight: true },
        { ...item(d, b, 40, 'q7-3'), inflight: true },
      ],
    });
    expect(r.status).toBe(201);
    const batch = r.json.batch_id as string;
    const commit = await commitBatch(t, batch);
    expect(commit.status).toBe(200);
    expect(commit.json).toMatchObject({ queued: true, transaction_id: batch });
    // A second commit of the same batch while the first waits: refused as already queued.
    const again = await commitBatch(t, batch);
    expect(again.status).toBe(409);
    // Of a batch without any hold: nothing to wait for.
    const plain = await t.http('POST', '/transactions/bulk', {
      transactions: [item(a, b, 1, 'q7-plain-1'), item(a, b, 1, 'q7-plain-2')],
    });
    const refused = await commitBatch(t, plain.json.batch_id);
    expect(refused.status).toBe(400);
    expect(refused.json.error_detail.code).toBe('TXN_NOT_INFLIGHT');

    const workers = await startTestApp({ shareDatabaseOf: t });
    try {
      await queueDrained(t);
    } finally {
      await workers.close();
    }
    expect(await c.amountsOf(a)).toMatchObject({ balance: 893n, inflight_debit_balance: 0n });
    expect(await c.amountsOf(d)).toMatchObject({ balance: 760n, inflight_debit_balance: 0n });
    expect(await c.amountsOf(b)).toMatchObject({ balance: 147n, inflight_credit_balance: 0n });
    expect((await c.amountsOf(x)).balance + (await c.amountsOf(y)).balance).toBe(200n);
    expect(await checkQueuedOutcomes(t.ds)).toEqual([]);
    expect(await checkInvariants(t.ds)).toEqual([]);
  });
});
