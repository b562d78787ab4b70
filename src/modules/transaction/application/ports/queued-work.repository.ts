import type { Tx } from '@libs/core/unit-of-work';
import type { Transaction } from '../../domain/transaction';

/** Options of a queued transaction that are not columns of its row. */
export interface QueuedOptions {
  /** Major units, exact decimal; '0' = none. */
  overdraft_limit?: string;
}

export interface QueuedWorkItem {
  seq: string;
  /** The QUEUED row this work applies. */
  row: Transaction;
  groupId: string;
  lane: number;
  runAt: Date;
  options: QueuedOptions;
}

/** The durable list of accepted work (table `queued_work`). */
export abstract class QueuedWorkRepository {
  abstract insert(tx: Tx, items: Omit<QueuedWorkItem, 'seq'>[]): Promise<void>;
  /** Serializes the draining of one lane across processes (transaction-scoped lock). */
  abstract lockLane(tx: Tx, lane: number): Promise<void>;
  /** Due work of a lane, oldest first, whole groups only, about `limit` rows. */
  abstract takeDue(tx: Tx, lane: number, now: Date, limit: number): Promise<QueuedWorkItem[]>;
  /** Removes finished work. */
  abstract remove(tx: Tx, transactionIds: string[]): Promise<void>;
  /** Lanes with work due at `now` (older than `olderThan` when given), and how many rows. */
  abstract dueLanes(now: Date, olderThan?: Date): Promise<{ lane: number; count: number }[]>;
  /** Rows waiting (for back-pressure). */
  abstract pendingCount(): Promise<number>;
}
