import { DomainError } from '@libs/core/domain-error';
import type { Transaction } from './transaction';

/** What has happened to a hold so far: the sum of its commits and whether it was voided. */
export interface HoldState {
  hold: Transaction;
  committed: bigint;
  voided: boolean;
}

export const alreadyVoided = () =>
  new DomainError('TXN_ALREADY_VOIDED', 'transaction has already been voided');

export function remainingOf(s: HoldState): bigint {
  return s.hold.preciseAmount - s.committed;
}

/**
 * How much a commit settles (reference §5.9): `requested` 0 means all that remains. Never more
 * than the hold, never after a void, never twice the whole.
 * @throws DomainError TXN_ALREADY_VOIDED, TXN_ALREADY_COMMITTED, TXN_COMMIT_AMOUNT_EXCEEDED.
 */
export function planCommit(s: HoldState, requested: bigint): bigint {
  if (s.voided) throw alreadyVoided();
  const remaining = remainingOf(s);
  if (remaining <= 0n) {
    throw new DomainError('TXN_ALREADY_COMMITTED', 'cannot commit. Transaction already committed');
  }
  if (requested === 0n) return remaining;
  if (requested > s.hold.preciseAmount) {
    throw new DomainError(
      'TXN_COMMIT_AMOUNT_EXCEEDED',
      `cannot commit more than the original transaction amount: requested ${requested}, original ${s.hold.preciseAmount}`,
    );
  }
  if (requested > remaining) {
    throw new DomainError(
      'TXN_COMMIT_AMOUNT_EXCEEDED',
      `cannot commit more than the remaining amount: requested ${requested}, remaining ${remaining}`,
    );
  }
  return requested;
}

/** A void releases whatever remains of the hold (reference §5.9). */
export function planVoid(s: HoldState): bigint {
  if (s.voided) throw alreadyVoided();
  const remaining = remainingOf(s);
  if (remaining <= 0n) {
    throw new DomainError('TXN_ALREADY_COMMITTED', 'cannot void. Transaction already committed');
  }
  return remaining;
}
