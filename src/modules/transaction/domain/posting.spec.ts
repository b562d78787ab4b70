import fc from 'fast-check';
import { BalanceAmounts, zeroAmounts } from '../../balance/domain/balance';
import { checkFunds, post } from './posting';

const withBalance = (balance: bigint, inflightDebit = 0n): BalanceAmounts => ({
  ...zeroAmounts(),
  creditBalance: balance > 0n ? balance : 0n,
  debitBalance: balance < 0n ? -balance : 0n,
  balance,
  inflightDebitBalance: inflightDebit,
  inflightBalance: -inflightDebit,
});

const none = { allowOverdraft: false, overdraftLimit: 0n };

describe('checkFunds', () => {
  it('passes when available covers the amount, exactly too', () => {
    expect(() => checkFunds(withBalance(100n), 100n, none)).not.toThrow();
  });
  it('refuses one unit more', () => {
    expect(() => checkFunds(withBalance(100n), 101n, none)).toThrow(/insufficient funds/);
  });
  it('counts outgoing holds against available', () => {
    expect(() => checkFunds(withBalance(100n, 60n), 50n, none)).toThrow(/insufficient funds/);
    expect(() => checkFunds(withBalance(100n, 60n), 40n, none)).not.toThrow();
  });
  it('leaves reserved (queued) debits covered', () => {
    expect(() => checkFunds(withBalance(100n), 30n, { ...none, reserved: 80n })).toThrow(
      /insufficient funds/,
    );
    expect(() => checkFunds(withBalance(100n), 20n, { ...none, reserved: 80n })).not.toThrow();
  });
  it('allow_overdraft without a limit is unlimited', () => {
    expect(() =>
      checkFunds(withBalance(0n), 10n ** 40n, { allowOverdraft: true, overdraftLimit: 0n }),
    ).not.toThrow();
  });
  it('an overdraft limit bounds the overdraft, with or without allow_overdraft', () => {
    for (const allowOverdraft of [true, false]) {
      const rules = { allowOverdraft, overdraftLimit: 500n };
      expect(() => checkFunds(withBalance(100n), 600n, rules)).not.toThrow();
      expect(() => checkFunds(withBalance(100n), 601n, rules)).toThrow(/overdraft limit/);
    }
  });
  it('raises the documented codes', () => {
    try {
      checkFunds(withBalance(0n), 1n, none);
    } catch (e) {
      expect((e as { code: string }).code).toBe('TXN_INSUFFICIENT_FUNDS');
    }
    try {
      checkFunds(withBalance(0n), 2n, { allowOverdraft: false, overdraftLimit: 1n });
    } catch (e) {
      expect((e as { code: string }).code).toBe('TXN_VALIDATION_ERROR');
    }
  });
});

describe('post', () => {
  it('settles debit and credit', () => {
    const s = withBalance(100n);
    const d = withBalance(0n);
    post(s, d, 40n, { inflight: false, rules: none });
    expect(s).toMatchObject({ balance: 60n, debitBalance: 40n, creditBalance: 100n });
    expect(d).toMatchObject({ balance: 40n, creditBalance: 40n });
  });
  it('holds without touching settled fields', () => {
    const s = withBalance(100n);
    const d = withBalance(0n);
    post(s, d, 40n, { inflight: true, rules: none });
    expect(s).toMatchObject({ balance: 100n, inflightDebitBalance: 40n, inflightBalance: -40n });
    expect(d).toMatchObject({ balance: 0n, inflightCreditBalance: 40n, inflightBalance: 40n });
  });
});

describe('property: random transfer sequences keep the invariants (DESIGN.md §5)', () => {
  const N = 6;
  const op = fc.record({
    from: fc.integer({ min: 0, max: N - 1 }),
    to: fc.integer({ min: 0, max: N - 1 }),
    amount: fc.bigInt({ min: 1n, max: 10n ** 20n }),
    inflight: fc.boolean(),
    limit: fc.constantFrom(0n, 1000n, 10n ** 19n),
  });

  it('money is conserved, derived fields agree, and no balance without overdraft goes negative', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        // Balance 0 is the only one allowed to overdraw (a @World-like source).
        const balances = Array.from({ length: N }, () => zeroAmounts());
        const limits = new Map<number, bigint>();
        for (const o of ops) {
          if (o.from === o.to) continue;
          const rules =
            o.from === 0
              ? { allowOverdraft: true, overdraftLimit: 0n }
              : { allowOverdraft: false, overdraftLimit: o.limit };
          const before = balances.map((b) => ({ ...b }));
          try {
            post(balances[o.from], balances[o.to], o.amount, { inflight: o.inflight, rules });
            if (o.from !== 0 && o.limit > (limits.get(o.from) ?? 0n)) limits.set(o.from, o.limit);
          } catch {
            // A refused transfer changes nothing.
            expect(balances).toEqual(before);
          }
        }
        const sum = (f: (b: BalanceAmounts) => bigint) => balances.reduce((a, b) => a + f(b), 0n);
        expect(sum((b) => b.balance)).toBe(0n);
        expect(sum((b) => b.inflightBalance)).toBe(0n);
        for (let i = 0; i < N; i++) {
          const b = balances[i];
          expect(b.balance).toBe(b.creditBalance - b.debitBalance);
          expect(b.inflightBalance).toBe(b.inflightCreditBalance - b.inflightDebitBalance);
          // Available never drops below minus the largest overdraft limit this balance was granted.
          if (i !== 0)
            expect(b.balance - b.inflightDebitBalance).toBeGreaterThanOrEqual(
              -(limits.get(i) ?? 0n),
            );
        }
      }),
      { numRuns: 300 },
    );
  });
});
