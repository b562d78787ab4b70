import { BlnkInit } from '@blnkfinance/blnk-typescript';
import { startTestApp, TestApp } from '../support/app';

/** The official SDK's BalanceMonitor client, unchanged, against Neraca. */
describe('official SDK: balance monitors', () => {
  let t: TestApp;
  let blnk: ReturnType<typeof BlnkInit>;
  beforeAll(async () => {
    t = await startTestApp();
    blnk = BlnkInit(t.key, { baseUrl: t.url });
  });
  afterAll(() => t.close());

  it('creates, gets, lists, updates and deletes a monitor', async () => {
    const ledger = (await blnk.Ledgers.create({ name: 'SDK monitors', meta_data: {} })).data!;
    const balance = (
      await blnk.LedgerBalances.create({ ledger_id: ledger.ledger_id, currency: 'USD' })
    ).data!;
    const created = await blnk.BalanceMonitor.create({
      balance_id: balance.balance_id,
      condition: { field: 'balance', operator: '>', value: 1000, precision: 100 },
      description: 'big balance',
      call_back_url: 'https://example.com/cb',
    });
    expect(created.status).toBe(201);
    const monitor = created.data!;
    expect(monitor).toMatchObject({
      balance_id: balance.balance_id,
      description: 'big balance',
      condition: { field: 'balance', operator: '>', value: 1000, precision: 100 },
    });
    expect((await blnk.BalanceMonitor.get(monitor.monitor_id)).data).toEqual(monitor);
    const list = await blnk.BalanceMonitor.list();
    expect(list.status).toBe(200);
    expect(list.data!.map((m) => m.monitor_id)).toContain(monitor.monitor_id);

    const updated = await blnk.BalanceMonitor.update(monitor.monitor_id, {
      balance_id: balance.balance_id,
      condition: { field: 'debit_balance', operator: '=', value: 5, precision: 100 },
      description: 'exactly five',
    });
    expect(updated.status).toBe(200);
    expect(updated.data).toEqual({ message: 'BalanceMonitor updated successfully' });
    expect((await blnk.BalanceMonitor.get(monitor.monitor_id)).data).toMatchObject({
      description: 'exactly five',
      condition: { field: 'debit_balance', operator: '=', value: 5, precise_value: 500 },
    });

    const deleted = await blnk.BalanceMonitor.delete(monitor.monitor_id);
    expect(deleted.status).toBe(200);
    expect(deleted.data).toEqual({ message: 'BalanceMonitor deleted successfully' });
    const gone = await blnk.BalanceMonitor.get(monitor.monitor_id);
    expect(gone.status).toBe(404);
  });
});
