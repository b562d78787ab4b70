import type { Tx } from '@libs/core/unit-of-work';

export interface SettledTotals {
  credit: bigint;
  debit: bigint;
}

export interface SnapshotBatch {
  /** Highest balance id the batch looked at (the cursor of the next), null when none was left. */
  last: string | null;
  /** Balances looked at. Fewer than the limit: the run is complete. */
  picked: number;
  /** Snapshots written (a balance that has not moved since its last snapshot gets none). */
  written: number;
}

/** Historical balances and their daily snapshots, over the ledger's rows. */
export abstract class BalanceHistory {
  /**
   * Σ credits and Σ debits of the balance's APPLIED rows with `COALESCE(effective_date,
   * created_at) <= at`, from the newest snapshot at or before `at` (or from the first row when
   * `fromSource`). `at` is RFC 3339 text. Raises nothing; an unknown balance has no rows.
   */
  abstract settledAt(balanceId: string, at: string, fromSource: boolean): Promise<SettledTotals>;

  /**
   * Within `tx`: takes the snapshot of up to `limit` balances with ids after `after` that have
   * none on the UTC day of `at`, each holding Σ of its applied rows effective at or before `at`.
   * Serialized across processes; a balance is read under a share lock, so no writer is between
   * the amounts it copies and the trigger that keeps snapshots exact. Raises nothing of its own.
   */
  abstract snapshotBatch(tx: Tx, after: string, limit: number, at: Date): Promise<SnapshotBatch>;
}
