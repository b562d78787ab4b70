import type { Tx } from '@libs/core/unit-of-work';
import type { Transaction } from '../../domain/transaction';

/** Options of queued work that are not columns of a transaction row. */
export interface QueuedOptions {
  /** Transactions: major units, exact decimal; '0' = none. */
  overdraft_limit?: string;
  /** Commit: minor units to commit ('0' or absent = all that remains), as a string. */
  precise_amount?: string;
  /** Commit: major units, converted with the hold's precision. */
  amount?: string;
  /** Commit / void: set by an expiry or auto-commit date (not a client's request). */
  scheduled?: boolean;
}

export type WorkKind = 'transaction' | 'commit' | 'void';

export interface QueuedWorkItem {
  seq: string;
  workId: string;
  kind: WorkKind;
  /** kind 'transaction': the QUEUED row. */
  row?: Transaction;
  /** The QUEUED row id, or for commit / void the hold the client named. */
  transactionId: string;
  groupId: string;
  lane: number;
  runAt: Date;
  options: QueuedOptions;
}

export type NewWorkItem = Omit<QueuedWorkItem, 'seq' | 'row'>;

/** What `takeDue` found: the items, and whether more may already be due behind them. */
export interface DueWork {
  items: QueuedWorkItem[];
  more: boolean;
}

/** The durable list of accepted work (table `queued_work`). */
export abstract class QueuedWorkRepository {
  abstract insert(tx: Tx, items: NewWorkItem[]): Promise<void>;
  /** Serializes the draining of one lane across processes (transaction-scoped lock). */
  abstract lockLane(tx: Tx, lane: number): Promise<void>;
  /**
   * Due work of a lane, oldest first, whole groups only, at most `limit` groups; a run of
   * transactions, or a single commit / void (which settles in a transaction of its own).
   * `more`: whether more work may already be due behind it (the limit was reached, or a commit /
   * void waits after the run), so the drain should look again at once.
   */
  abstract takeDue(tx: Tx, lane: number, now: Date, limit: number): Promise<DueWork>;
  /** Serializes work on one key (a hold id) for the rest of the database transaction. */
  abstract lockKey(tx: Tx, key: string): Promise<void>;
  /** Moves an item to a later time (a commit waiting for its hold to be applied first). */
  abstract postpone(tx: Tx, workId: string, runAt: Date): Promise<void>;
  /** Removes finished work. */
  abstract remove(tx: Tx, workIds: string[]): Promise<void>;
  /** Commit / void work already waiting for this id (a second one is refused). */
  abstract pendingAction(tx: Tx, transactionId: string): Promise<boolean>;
  /** Whether the QUEUED rows of this id (or its legs) still wait to be applied. */
  abstract pendingTransaction(tx: Tx, id: string): Promise<boolean>;
  /** Lanes with work due at `now` (older than `olderThan` when given), and how many rows. */
  abstract dueLanes(now: Date, olderThan?: Date): Promise<{ lane: number; count: number }[]>;
  /** Σ precise_amount of queued transactions not yet applied that debit each balance. */
  abstract queuedDebits(tx: Tx, balanceIds: string[]): Promise<Map<string, bigint>>;
  /** Rows waiting (for back-pressure). */
  abstract pendingCount(): Promise<number>;
}
