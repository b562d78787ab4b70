import fc from 'fast-check';
import {
  BalanceAmounts,
  commitHold,
  holdCredit,
  holdDebit,
  releaseHold,
  zeroAmounts,
} from '../../balance/domain/balance';
import { HoldState, planCommit, planVoid } from './inflight';
import type { Transaction } from './transaction';

const holdOf = (amount: bigint): HoldState => ({
  hold: { preciseAmount: amount } as Transaction,
  committed: 0n,
  voided: false,
});

describe('planCommit / planVoid', () => {
  it('commits all that remains when no amount is given', () => {
    expect(planCommit({ ...holdOf(100n), committed: 30n }, 0n)).toBe(70n);
  });
  it.each<[string, HoldState, bigint, string]>([
    ['after a void', { ...holdOf(100n), voided: true }, 10n, 'TXN_ALREADY_VOIDED'],
    ['after a full commit', { ...holdOf(100n), committed: 100n }, 0n, 'TXN_ALREADY_COMMITTED'],
    ['beyond the original', holdOf(100n), 101n, 'TXN_COMMIT_AMOUNT_EXCEEDED'],
    ['beyond what remains', { ...holdOf(100n), committed: 50n }, 51n, 'TXN_COMMIT_AMOUNT_EXCEEDED'],
  ])('refuses a commit %s', (_n, state, amount, code) => {
    expect(() => planCommit(state, amount)).toThrow(expect.objectContaining({ code }));
  });
  it('voids what remains, never after a void or a full commit', () => {
    expect(planVoid({ ...holdOf(100n), committed: 40n })).toBe(60n);
    expect(() => planVoid({ ...holdOf(100n), voided: true })).toThrow(
      expect.objectContaining({ code: 'TXN_ALREADY_VOIDED' }),
    );
    expect(() => planVoid({ ...holdOf(100n), committed: 100n })).toThrow(
      expect.objectContaining({
        code: 'TXN_ALREADY_COMMITTED',
        message: 'cannot void. Transaction already committed',
      }),
    );
  });
});

describe('property: any sequence of holds, commits and voids stays consistent', () => {
  const step = fc.oneof(
    fc.record({ kind: fc.constant('hold' as const), amount: fc.bigInt({ min: 1n, max: 1000n }) }),
    fc.record({
      kind: fc.constant('commit' as const),
      hold: fc.nat(5),
      amount: fc.bigInt({ min: 0n, max: 1200n }),
    }),
    fc.record({ kind: fc.constant('void' as const), hold: fc.nat(5) }),
  );

  it('never settles more than held; inflight equals what is still held', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const source: BalanceAmounts = zeroAmounts();
        const destination: BalanceAmounts = zeroAmounts();
        const holds: HoldState[] = [];
        for (const s of steps) {
          if (s.kind === 'hold') {
            holdDebit(source, s.amount);
            holdCredit(destination, s.amount);
            holds.push(holdOf(s.amount));
            continue;
          }
          const h = holds[s.hold];
          if (!h) continue;
          try {
            if (s.kind === 'commit') {
              const c = planCommit(h, s.amount);
              commitHold(source, destination, c);
              h.committed += c;
            } else {
              const r = planVoid(h);
              releaseHold(source, destination, r);
              h.voided = true;
            }
          } catch (e) {
            expect((e as { code: string }).code).toMatch(/^TXN_/);
          }
        }
        const stillHeld = holds.reduce(
          (sum, h) => sum + (h.voided ? 0n : h.hold.preciseAmount - h.committed),
          0n,
        );
        const committed = holds.reduce((sum, h) => sum + h.committed, 0n);
        for (const h of holds) expect(h.committed <= h.hold.preciseAmount).toBe(true);
        expect(source.inflightDebitBalance).toBe(stillHeld);
        expect(destination.inflightCreditBalance).toBe(stillHeld);
        expect(source.debitBalance).toBe(committed);
        expect(destination.creditBalance).toBe(committed);
        expect(source.balance + destination.balance).toBe(0n);
        expect(source.inflightBalance + destination.inflightBalance).toBe(0n);
      }),
      { numRuns: 400 },
    );
  });
});
