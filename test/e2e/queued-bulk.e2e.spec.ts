import { startTestApp, TestApp } from '../support/app';
import { checkInvariants, checkQueuedOutcomes } from '../support/invariants';
import { ledgerClient } from '../support/ledger-client';
import { waitFor } from '../support/wait';

/** Bulk batches on the queued path and with run_async. */
describe('queued bulk batches', () => {
  let t: TestApp;
  let ledger: string;
  let c: ReturnType<typeof ledgerClient>;
  const item = (source: string, destination: string, amount: number, reference: string) => ({
    source,
    destination,
    precise_amount: amount,
    currency: 'USD',
    reference,
    description: 'qb',
  });
  const drained = () =>
    waitFor(
      async () =>
        (await t.ds.query(`SELECT count(*)::int AS n FROM queued_work`))[0].n === 0
          ? true
          : undefined,
      20000,
      'the queue to drain',
    );
  const outcomes = (batch: string) =>
    t.ds.query(
      `SELECT o.status FROM transactions q JOIN transactions o ON o.parent_transaction = q.transaction_id
       WHERE q.parent_transaction = $1 ORDER BY q.meta_data->>'sequence'`,
      [batch],
    ) as Promise<{ status: string }[]>;

  beforeAll(async () => {
    t = await startTestApp();
    ledger = (await t.http('POST', '/ledgers', { name: 'qb' })).json.ledger_id;
    c = ledgerClient(t, () => ledger);
  });
  afterAll(async () => {
    await drained();
    expect(await checkQueuedOutcomes(t.ds)).toEqual([]);
    expect(await checkInvariants(t.ds)).toEqual([]);
    await t.close();
  });

  it('queued, not atomic: each item on its own', async () => {
    const [a, b] = [await c.balance(), await c.balance()];
    await c.fund(a, 100, 'qb1-fund');
    const r = await t.http('POST', '/transactions/bulk', {
      transactions: [item(a, b, 60, 'qb1-1'), item(a, b, 60, 'qb1-2')],
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ status: 'applied', transaction_count: 2 });
    await drained();
    expect((await outcomes(r.json.batch_id)).map((o) => o.status).sort()).toEqual([
      'APPLIED',
      'REJECTED',
    ]);
    expect((await c.amountsOf(b)).balance).toBe(60n);
  });

  it('queued, atomic: all items applied or none', async () => {
    const [a, b] = [await c.balance(), await c.balance()];
    await c.fund(a, 100, 'qb2-fund');
    const r = await t.http('POST', '/transactions/bulk', {
      atomic: true,
      transactions: [item(a, b, 60, 'qb2-1'), item(a, b, 60, 'qb2-2')],
    });
    expect(r.status).toBe(201);
    await drained();
    expect((await outcomes(r.json.batch_id)).map((o) => o.status)).toEqual([
      'REJECTED',
      'REJECTED',
    ]);
    expect((await c.amountsOf(a)).balance).toBe(100n);
    const ok = await t.http('POST', '/transactions/bulk', {
      atomic: true,
      transactions: [item(a, b, 60, 'qb3-1'), item(a, b, 40, 'qb3-2')],
    });
    await drained();
    expect((await outcomes(ok.json.batch_id)).map((o) => o.status)).toEqual(['APPLIED', 'APPLIED']);
    expect((await c.amountsOf(a)).balance).toBe(0n);
  });

  it('run_async answers 202 processing and the batch is applied', async () => {
    const [a, b] = [await c.balance(), await c.balance()];
    await c.fund(a, 100, 'qb4-fund');
    const r = await t.http('POST', '/transactions/bulk', {
      run_async: true,
      skip_queue: true,
      transactions: [item(a, b, 10, 'qb4-1'), item(a, b, 20, 'qb4-2')],
    });
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({
      message: 'Bulk transaction processing started',
      status: 'processing',
    });
    expect(r.json.batch_id).toMatch(/^bulk_/);
    await drained();
    expect((await c.amountsOf(b)).balance).toBe(30n);
  });

  it('refuses a duplicate reference in a queued batch at once, naming the item, writing nothing', async () => {
    const [a, b] = [await c.balance(), await c.balance()];
    const r = await t.http('POST', '/transactions/bulk', {
      transactions: [item(a, b, 1, 'qb5-1'), item(a, b, 1, 'qb5-1')],
    });
    expect(r.status).toBe(409);
    // The later of the two items is the duplicate.
    expect(r.json.error_detail.details).toMatchObject({ index: 1 });
    expect((await t.http('GET', '/transactions/reference/qb5-1')).status).toBe(404);
  });
});
