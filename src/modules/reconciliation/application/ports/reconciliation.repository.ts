import type { Tx } from '@libs/core/unit-of-work';
import type { Comparable } from '../../domain/matching';
import type { MatchRecord, Reconciliation, UnmatchedRecord } from '../../domain/reconciliation';

/** An external row read for matching. */
export interface ExternalRow extends Comparable {
  seq: bigint;
  externalId: string;
}

/** How far a batch moved a run. */
export interface BatchOutcome {
  checkpoint: bigint;
  processed: number;
  matched: number;
  unmatched: number;
}

/** Runs, their leases and their results. */
export abstract class ReconciliationRepository {
  abstract insert(tx: Tx, r: Reconciliation): Promise<void>;
  abstract findById(id: string): Promise<Reconciliation | null>;
  /**
   * Leases the oldest open run whose lease is free or expired (SKIP LOCKED: several workers
   * never take one run at once) to `owner` until now + `leaseMs`, marking it in_progress.
   */
  abstract lease(owner: string, leaseMs: number): Promise<Reconciliation | null>;
  /** External rows of the upload after `afterSeq`, in seq order. */
  abstract externalRows(
    tx: Tx,
    uploadId: string,
    afterSeq: bigint,
    limit: number,
  ): Promise<ExternalRow[]>;
  abstract recordMatches(tx: Tx, id: string, matches: MatchRecord[]): Promise<void>;
  abstract recordUnmatched(tx: Tx, id: string, rows: UnmatchedRecord[]): Promise<void>;
  /**
   * Moves the checkpoint from `from` and adds the counts, renewing the lease; false when the run
   * is no longer `owner`'s at `from` (its lease expired and another worker took it over): the
   * caller's transaction must then roll back.
   */
  abstract advance(
    tx: Tx,
    id: string,
    owner: string,
    from: bigint,
    by: BatchOutcome,
    leaseMs: number,
  ): Promise<boolean>;
  /** completed (or failed with `error`) if still open and `owner`'s (any owner when null); false otherwise. */
  abstract finish(tx: Tx, id: string, owner: string | null, error?: string): Promise<boolean>;
  /** Frees the lease (another worker may take the run at once), counting no attempt. */
  abstract giveBack(id: string, owner: string): Promise<void>;
  /** Gives the lease back after a failed attempt (attempts + 1). */
  abstract release(id: string, owner: string): Promise<number>;
  abstract listMatches(id: string, limit: number, offset: number): Promise<MatchRecord[]>;
  abstract listUnmatched(id: string, limit: number, offset: number): Promise<UnmatchedRecord[]>;
}
