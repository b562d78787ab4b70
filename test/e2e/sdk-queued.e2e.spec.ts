import { BlnkInit } from '@blnkfinance/blnk-typescript';
import { startTestApp, TestApp } from '../support/app';
import { waitFor } from '../support/wait';

/** The official SDK with its defaults (no skip_queue): the queued path as Blnk clients use it. */
describe('official SDK on the queued path', () => {
  let t: TestApp;
  let blnk: ReturnType<typeof BlnkInit>;
  const outcome = (reference: string) =>
    waitFor(
      async () => {
        const r = await blnk.Transactions.getByReference(`${reference}_q`);
        return r.status === 200 ? r.data : undefined;
      },
      20000,
      `${reference}_q`,
    );

  beforeAll(async () => {
    t = await startTestApp();
    blnk = BlnkInit(t.key, { baseUrl: t.url });
  });
  afterAll(() => t.close());

  it('create, hold, updateStatus, refund, createBulk, recoverQueue', async () => {
    const ledger = (await blnk.Ledgers.create({ name: 'sdk-queued' })).data!.ledger_id;
    const a = (await blnk.LedgerBalances.create({ ledger_id: ledger, currency: 'USD' })).data!
      .balance_id;
    const b = (await blnk.LedgerBalances.create({ ledger_id: ledger, currency: 'USD' })).data!
      .balance_id;

    const fund = await blnk.Transactions.create({
      amount: 100,
      precision: 100,
      currency: 'USD',
      reference: 'sq-fund',
      description: 'fund',
      source: '@World',
      destination: a,
      allow_overdraft: true,
    });
    expect(fund.status).toBe(201);
    expect(fund.data?.status).toBe('QUEUED');
    expect((await outcome('sq-fund'))?.status).toBe('APPLIED');

    const hold = await blnk.Transactions.create({
      precise_amount: 3000,
      precision: 100,
      currency: 'USD',
      reference: 'sq-hold',
      description: 'hold',
      source: a,
      destination: b,
      inflight: true,
    });
    const commit = await blnk.Transactions.updateStatus(hold.data!.transaction_id, {
      status: 'commit',
      amount: 10,
    });
    expect(commit.status).toBe(200);
    expect(commit.data?.queued).toBe(true);
    await waitFor(
      async () => ((await blnk.LedgerBalances.get(b)).data?.balance === 1000 ? true : undefined),
      20000,
      'the commit',
    );

    const pay = await blnk.Transactions.create({
      precise_amount: 500,
      precision: 100,
      currency: 'USD',
      reference: 'sq-pay',
      description: 'pay',
      source: a,
      destination: b,
    });
    await outcome('sq-pay');
    const refund = await blnk.Transactions.refund(pay.data!.transaction_id);
    expect(refund.status).toBe(201);
    expect(refund.data?.status).toBe('QUEUED');
    await waitFor(
      async () => ((await blnk.LedgerBalances.get(b)).data?.balance === 1000 ? true : undefined),
      20000,
      'the refund',
    );

    const bulk = await blnk.Transactions.createBulk({
      atomic: true,
      transactions: [1, 2].map((i) => ({
        precise_amount: 100,
        precision: 100,
        currency: 'USD',
        reference: `sq-bulk-${i}`,
        description: 'bulk',
        source: a,
        destination: b,
      })),
    });
    expect(bulk.status).toBe(201);
    await outcome('sq-bulk-2');
    const world = await blnk.LedgerBalances.get(a);
    expect(world.data).toMatchObject({ balance: 10000 - 1000 - 200, inflight_debit_balance: 2000 });

    const recovered = await blnk.Transactions.recoverQueue({ threshold: '10m' });
    expect(recovered.status).toBe(200);
    expect(recovered.data).toMatchObject({ recovered: 0, threshold: '10m0s' });
  });
});
