import { parseBig, TestApp } from './app';

/** Small helpers over a test server: balances, transfers and exact balance reads. */
export function ledgerClient(t: TestApp, ledger: () => string) {
  const balance = async (currency = 'USD') =>
    (await t.http('POST', '/balances', { ledger_id: ledger(), currency })).json
      .balance_id as string;
  const amountsOf = async (id: string) => parseBig((await t.http('GET', `/balances/${id}`)).text);
  const txn = (body: Record<string, unknown>) =>
    t.http('POST', '/transactions', {
      skip_queue: true,
      currency: 'USD',
      description: 'd',
      ...body,
    });
  const fund = (id: string, amount: number, reference: string) =>
    txn({
      source: '@World',
      destination: id,
      precise_amount: amount,
      reference,
      allow_overdraft: true,
    });
  return { balance, amountsOf, txn, fund };
}
