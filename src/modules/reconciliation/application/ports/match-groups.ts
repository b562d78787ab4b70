import type { Tx } from '@libs/core/unit-of-work';
import type { CandidateBounds, MatchGroup } from '../../domain/matching';
import type { Reconciliation } from '../../domain/reconciliation';

/**
 * The groups of a one_to_many or many_to_one run (reference §8.3), kept for the run's life (so
 * a resumed run sees the groups it began with) and deleted when it ends.
 */
export abstract class MatchGroups {
  /**
   * Summarizes the run's groups (reference §8.3: Σ amount, earliest date, texts joined by
   * `" | "`, currency or MIXED), numbered in the order they are tried, and marks the run ready;
   * false when the run is no longer `owner`'s. one_to_many groups every internal transaction by
   * the run's grouping criteria, many_to_one the rows of its upload.
   */
  abstract prepareGroups(tx: Tx, run: Reconciliation, owner: string): Promise<boolean>;
  /** many_to_one: the run's groups after `afterOrdinal`, in order. */
  abstract groupsAfter(
    tx: Tx,
    id: string,
    afterOrdinal: bigint,
    limit: number,
  ): Promise<MatchGroup[]>;
  /**
   * one_to_many: for each query, up to `limit` groups of the run not consumed, within its
   * bounds, after its `afterOrdinal`, in order: one statement for the batch.
   */
  abstract groupCandidates(
    tx: Tx,
    id: string,
    queries: { bounds: CandidateBounds; afterOrdinal?: bigint }[],
    limit: number,
  ): Promise<MatchGroup[][]>;
  /** one_to_many: these groups are taken. */
  abstract consumeGroups(tx: Tx, id: string, ordinals: bigint[]): Promise<void>;
  /** many_to_one: these internal transactions are taken. */
  abstract claim(tx: Tx, id: string, internalIds: string[]): Promise<void>;
}
