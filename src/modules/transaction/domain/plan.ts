import { divideToDecimalString } from '@libs/core/decimal';
import { splitAmount } from './distribution';
import type { TransactionDraft } from './record-request';

/** One row a request will append, before its endpoints are resolved to balance ids. */
export interface PlannedLeg {
  transactionId: string;
  reference: string;
  /** Balance id or `@indicator`, as sent. */
  source: string;
  destination: string;
  preciseAmount: bigint;
  amount: string;
  /** Position of the distribution this leg came from (splits only). */
  position?: number;
}

export interface Plan {
  /** The id the client sees: the row itself, or the parent of the legs of a split. */
  transactionId: string;
  split: boolean;
  legs: PlannedLeg[];
}

/**
 * The rows of one request: one row, or one row per non-zero leg of a split (reference §5.8),
 * referenced `R-1…R-n` by the position of their distribution (§5.3 B).
 */
export function planTransaction(
  d: TransactionDraft,
  transactionId: string,
  nextId: () => string,
): Plan {
  const dists = d.sources ?? d.destinations;
  if (!dists) {
    return {
      transactionId,
      split: false,
      legs: [
        {
          transactionId,
          reference: d.reference,
          source: d.source!,
          destination: d.destination!,
          preciseAmount: d.preciseAmount,
          amount: d.amount,
        },
      ],
    };
  }
  const fromSources = d.sources !== undefined;
  const legs = splitAmount(d.preciseAmount, d.precision, dists)
    .filter((l) => l.preciseAmount > 0n)
    .map((l) => ({
      transactionId: nextId(),
      reference: `${d.reference}-${l.position + 1}`,
      source: fromSources ? l.identifier : d.source!,
      destination: fromSources ? d.destination! : l.identifier,
      preciseAmount: l.preciseAmount,
      amount: divideToDecimalString(l.preciseAmount, d.precision),
      position: l.position,
    }));
  return { transactionId, split: true, legs };
}

/**
 * The reference of a leg's QUEUED row: `R` itself, or `R_1…R_n` (underscore) for the legs of a
 * split, as Blnk names queued legs (the synchronous path names them `R-1…R-n`).
 */
export function queuedLegReference(reference: string, plan: Plan, leg: PlannedLeg): string {
  return plan.split ? `${reference}_${(leg.position ?? 0) + 1}` : reference;
}
