import type { Tx } from '@libs/core/unit-of-work';
import type { CandidateBounds, Comparable } from '../../domain/matching';

export interface InternalCandidate extends Comparable {
  transactionId: string;
}

/** One external row's candidate search: its currency, bounds, and where the last page ended. */
export interface CandidateQuery {
  /** Only this currency (one_to_one, as Blnk's SQL); absent: any. */
  currency?: string;
  bounds: CandidateBounds;
  after?: { dateMicros: bigint; transactionId: string };
  /** Only candidates I with `|amount − I| ≤ |I| × drift` (a condition every rule implies). */
  within?: { amount: string; drift: string };
}

/** The ledger's transactions as reconciliation reads them (reference §8.3). */
export abstract class InternalTransactions {
  /**
   * For each query, up to `limit` internal transactions of its currency within its bounds,
   * after its `after`, ordered by created_at then id, any status: one statement for the batch.
   */
  abstract candidates(
    tx: Tx,
    queries: CandidateQuery[],
    limit: number,
    /** many_to_one: leaves out the transactions this run's groups have claimed. */
    unclaimedBy?: string,
  ): Promise<InternalCandidate[][]>;
}
