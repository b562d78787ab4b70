import { BlnkInit } from '@blnkfinance/blnk-typescript';
import { startTestApp, TestApp } from '../support/app';

/** The official Blnk TypeScript SDK, unchanged, as the client. */
describe('official SDK (@blnkfinance/blnk-typescript)', () => {
  let t: TestApp;
  let blnk: ReturnType<typeof BlnkInit>;
  beforeAll(async () => {
    t = await startTestApp();
    blnk = BlnkInit(t.key, { baseUrl: t.url });
  });
  afterAll(() => t.close());

  it('health', async () => {
    const r = await blnk.System.health();
    expect(r.status).toBe(200);
    expect(r.data).toEqual({ status: 'UP' });
  });

  it('creates a ledger, two balances and a transaction, and sees the balances move', async () => {
    const ledger = await blnk.Ledgers.create({ name: 'SDK ledger', meta_data: { project: 'sdk' } });
    expect(ledger.status).toBe(201);
    const ledgerId = ledger.data!.ledger_id;
    expect((await blnk.Ledgers.get(ledgerId)).data?.name).toBe('SDK ledger');

    const alice = await blnk.LedgerBalances.create({ ledger_id: ledgerId, currency: 'USD' });
    const bob = await blnk.LedgerBalances.create({ ledger_id: ledgerId, currency: 'USD' });
    expect(alice.status).toBe(201);
    const aliceId = alice.data!.balance_id;
    const bobId = bob.data!.balance_id;

    const fund = await blnk.Transactions.create({
      amount: 500,
      precision: 100,
      currency: 'USD',
      reference: 'sdk-fund',
      description: 'Top up',
      source: '@World',
      destination: aliceId,
      allow_overdraft: true,
      skip_queue: true,
    });
    expect(fund.status).toBe(201);
    expect(fund.data?.status).toBe('APPLIED');

    const pay = await blnk.Transactions.create({
      precise_amount: 12345,
      precision: 100,
      currency: 'USD',
      reference: 'sdk-pay',
      description: 'Payment',
      source: aliceId,
      destination: bobId,
      skip_queue: true,
      meta_data: { order: 'A-1' },
    });
    expect(pay.status).toBe(201);
    const got = await blnk.Transactions.get(pay.data!.transaction_id);
    expect(got.data).toMatchObject({
      reference: 'sdk-pay',
      precise_amount: 12345,
      status: 'APPLIED',
    });

    const a = await blnk.LedgerBalances.get(aliceId);
    const b = await blnk.LedgerBalances.get(bobId);
    expect(a.data).toMatchObject({
      balance: 50000 - 12345,
      debit_balance: 12345,
      credit_balance: 50000,
    });
    expect(b.data).toMatchObject({ balance: 12345 });
    const world = await blnk.LedgerBalances.getByIndicator('@World', 'USD');
    expect(world.data?.balance).toBe(-50000);
  });

  it('surfaces Neraca errors as the SDK expects (error_detail)', async () => {
    const r = await blnk.Transactions.create({
      amount: 1,
      precision: 100,
      currency: 'USD',
      reference: 'sdk-nofunds',
      description: 'x',
      source: '@Empty',
      destination: '@Other',
      skip_queue: true,
    });
    expect(r.status).toBe(400);
    expect(r.error?.code).toBe('TXN_INSUFFICIENT_FUNDS');
    expect(r.message).toContain('insufficient funds');
    const missing = await blnk.Ledgers.get('ldg_missing');
    expect(missing.status).toBe(404);
    expect(missing.error?.code).toBe('LGR_NOT_FOUND');
  });

  it('Search.filter and Metadata.update', async () => {
    const l = await blnk.Ledgers.create({ name: 'filter-me' });
    const found = await blnk.Search.filter(
      { filters: [{ field: 'name', operator: 'eq', value: 'filter-me' }], include_count: true },
      'ledgers',
    );
    expect(found.status).toBe(200);
    expect(found.data?.total_count).toBe(1);
    const meta = await blnk.Metadata.update(l.data!.ledger_id, { meta_data: { tier: 'gold' } });
    expect(meta.status).toBe(200);
    expect(meta.data?.meta_data).toEqual({ tier: 'gold' });
  });

  it('a client with the wrong key is refused', async () => {
    const wrong = BlnkInit('nope', { baseUrl: t.url });
    const r = await wrong.Ledgers.get('general_ledger_id');
    expect(r.status).toBe(401);
    expect(r.error?.code).toBe('AUTH_INVALID_API_KEY');
  });
});
