import {
  aggregateIndicator,
  indicatorPart,
  PendingAllocation,
  shadowIndicator,
  shadowMeta,
  shadowPosting,
} from './shadow';

const alloc = (over: Partial<PendingAllocation>): PendingAllocation => ({
  allocationId: '7',
  transactionId: 'txn_row',
  clientTransactionId: 'txn_client',
  balanceId: 'bln_a',
  provider: 'stripe',
  kind: 'credit',
  amount: 10n,
  reference: 'r1',
  currency: 'USD',
  precision: 100n,
  identityId: 'idt_1',
  settles: null,
  ...over,
});

describe('shadow postings', () => {
  it('money in goes from the shadow balance to the aggregate, money out back', () => {
    expect(shadowPosting(alloc({ kind: 'credit' }), null)).toEqual({
      kind: 'transfer',
      source: '@stripe_bln_a_lineage',
      destination: '@bln_a_lineage',
      inflight: false,
      lineageType: 'credit',
      reference: 'r1_shadow_stripe',
    });
    expect(shadowPosting(alloc({ kind: 'receive' }), null)).toMatchObject({
      source: '@stripe_bln_a_lineage',
      reference: 'r1_receive_stripe',
    });
    expect(shadowPosting(alloc({ kind: 'debit' }), null)).toMatchObject({
      source: '@bln_a_lineage',
      destination: '@stripe_bln_a_lineage',
      inflight: false,
      reference: 'r1_release_stripe',
    });
    expect(shadowPosting(alloc({ kind: 'hold' }), null)).toMatchObject({
      inflight: true,
      lineageType: 'release',
    });
  });

  it("a commit or void settles the hold's shadow, which must exist", () => {
    const commit = alloc({ kind: 'debit', settles: 'txn_hold' });
    expect(shadowPosting(commit, 'txn_shadow_hold')).toEqual({
      kind: 'commit',
      holdId: 'txn_shadow_hold',
      lineageType: 'shadow_commit',
      reference: 'r1_commit_stripe',
    });
    expect(shadowPosting(alloc({ kind: 'release', settles: 'txn_hold' }), 'h')).toMatchObject({
      kind: 'void',
      lineageType: 'shadow_void',
    });
    expect(() => shadowPosting(commit, null)).toThrow(/no shadow/);
    // A commit's destination receives: an ordinary transfer, not a settlement.
    expect(shadowPosting(alloc({ kind: 'receive', settles: 'txn_hold' }), null)).toMatchObject({
      kind: 'transfer',
    });
  });

  it('names never hold whitespace and never collide', () => {
    expect(indicatorPart('my bank')).toBe('my%20bank');
    expect(indicatorPart('my%20bank')).toBe('my%2520bank');
    expect(indicatorPart('tab\u00a0é')).toBe('tab%C2%A0é');
    expect(shadowIndicator('a b', 'bln_x')).toBe('@a%20b_bln_x_lineage');
    expect(aggregateIndicator('bln_x')).toBe('@bln_x_lineage');
  });

  it("carries Blnk's engine keys, naming the transaction the client knows", () => {
    expect(shadowMeta(alloc({}), 'credit')).toEqual({
      _shadow_for: 'txn_client',
      _provider: 'stripe',
      _identity_id: 'idt_1',
      _lineage_type: 'credit',
      _main_balance: 'bln_a',
    });
  });
});
