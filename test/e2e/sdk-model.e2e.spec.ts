import { BlnkInit } from '@blnkfinance/blnk-typescript';
import { startTestApp, TestApp } from '../support/app';

/** The synchronous transaction model through the official SDK, unchanged. */
describe('official SDK: splits, holds, refunds, bulk, filters, metadata', () => {
  let t: TestApp;
  let blnk: ReturnType<typeof BlnkInit>;
  let ledger: string;
  const balance = async () =>
    (await blnk.LedgerBalances.create({ ledger_id: ledger, currency: 'USD' })).data!.balance_id;

  beforeAll(async () => {
    t = await startTestApp();
    blnk = BlnkInit(t.key, { baseUrl: t.url });
    ledger = (await blnk.Ledgers.create({ name: 'sdk-model' })).data!.ledger_id;
  });
  afterAll(() => t.close());

  it('creates a split, holds and commits with updateStatus, refunds', async () => {
    const [a, b, c] = [await balance(), await balance(), await balance()];
    const split = await blnk.Transactions.create({
      amount: 100,
      precision: 100,
      currency: 'USD',
      reference: 'sdk-split',
      description: 'split',
      source: '@World',
      destinations: [
        { identifier: a, distribution: '70%' },
        { identifier: b, distribution: 'left' },
      ],
      allow_overdraft: true,
      skip_queue: true,
    });
    expect(split.status).toBe(201);
    expect((await blnk.LedgerBalances.get(a)).data?.balance).toBe(7000);

    const hold = await blnk.Transactions.create({
      precise_amount: 1000,
      precision: 100,
      currency: 'USD',
      reference: 'sdk-hold',
      description: 'hold',
      source: a,
      destination: c,
      inflight: true,
      skip_queue: true,
    });
    expect(hold.data?.status).toBe('INFLIGHT');
    const commit = await blnk.Transactions.updateStatus(hold.data!.transaction_id, {
      status: 'commit',
      amount: 4,
      skip_queue: true,
    });
    expect(commit.status).toBe(200);
    expect(commit.data?.status).toBe('APPLIED');
    const voided = await blnk.Transactions.updateStatus(hold.data!.transaction_id, {
      status: 'void',
      skip_queue: true,
    });
    expect(voided.data?.status).toBe('VOID');
    expect((await blnk.LedgerBalances.get(c)).data).toMatchObject({
      balance: 400,
      inflight_credit_balance: 0,
    });

    const refund = await blnk.Transactions.refund(commit.data!.transaction_id, {
      skip_queue: true,
    });
    expect(refund.status).toBe(201);
    expect((await blnk.LedgerBalances.get(c)).data?.balance).toBe(0);
    const twice = await blnk.Transactions.refund(commit.data!.transaction_id, { skip_queue: true });
    expect(twice.status).toBe(409);
    expect(twice.error?.code).toBe('GEN_CONFLICT');
  });

  it('createBulk, Search.filter and Metadata.update', async () => {
    const [a, b] = [await balance(), await balance()];
    const bulk = await blnk.Transactions.createBulk({
      atomic: true,
      skip_queue: true,
      transactions: [1, 2, 3].map((i) => ({
        precise_amount: 100 * i,
        precision: 100,
        currency: 'USD',
        reference: `sdk-bulk-${i}`,
        description: 'bulk',
        source: '@World',
        destination: i % 2 ? a : b,
        allow_overdraft: true,
        meta_data: { customer: i % 2 ? 'odd' : 'even' },
      })),
    });
    expect(bulk.status).toBe(201);
    expect(bulk.data).toMatchObject({ status: 'applied', transaction_count: 3 });

    const found = await blnk.Search.filter(
      {
        filters: [
          { field: 'meta_data.customer', operator: 'eq', value: 'odd' },
          { field: 'parent_transaction', operator: 'eq', value: bulk.data!.batch_id },
        ],
        sort_by: 'created_at',
        sort_order: 'asc',
        include_count: true,
      },
      'transactions',
    );
    expect(found.data?.total_count).toBe(2);
    expect(found.data?.data.map((x) => x.reference)).toEqual(['sdk-bulk-1', 'sdk-bulk-3']);

    const meta = await blnk.Metadata.update(bulk.data!.batch_id, { meta_data: { settled: true } });
    expect(meta.status).toBe(200);
    const tagged = await blnk.Search.filter(
      {
        filters: [{ field: 'meta_data.settled', operator: 'eq', value: true }],
        include_count: true,
      },
      'transactions',
    );
    expect(tagged.data?.total_count).toBe(3);
  });
});
