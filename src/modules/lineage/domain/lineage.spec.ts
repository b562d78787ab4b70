import { balanceLineage, fundAllocation, LineageAllocation } from './lineage';

const alloc = (provider: string, kind: LineageAllocation['kind'], amount: bigint) => ({
  transactionId: 'txn_1',
  balanceId: 'bln_1',
  provider,
  kind,
  amount,
});

describe('lineage domain', () => {
  it('available = received − spent per provider; the total is their sum, exactly', () => {
    const big = 2n ** 80n;
    const l = balanceLineage('bln_1', [
      { provider: 'stripe', received: big, spent: 1n, held: 5n },
      { provider: 'paypal', received: 10n, spent: 10n, held: 0n },
    ]);
    expect(l.providers.map((p) => p.available)).toEqual([big - 1n, 0n]);
    expect(l.totalWithLineage).toBe(big - 1n);
  });

  it('fund_allocation sums what a row spent or holds per provider, in allocation order', () => {
    expect(
      fundAllocation([
        alloc('paypal', 'debit', 3n),
        alloc('stripe', 'receive', 100n),
        alloc('stripe', 'hold', 2n),
        alloc('paypal', 'debit', 4n),
        alloc('wise', 'release', 9n),
      ]),
    ).toEqual([
      { provider: 'paypal', amount: 7n },
      { provider: 'stripe', amount: 2n },
    ]);
    expect(fundAllocation([alloc('stripe', 'credit', 1n)])).toEqual([]);
  });
});
