import type { Tx } from '@libs/core/unit-of-work';
import type { Transaction } from '../../../domain/transaction';
import type { QueuedOptions, TrackedBatch } from '../queued-engine';

export type { QueuedOptions, TrackedBatch };

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
  /** Failed drains of this item so far. */
  attempts: number;
  /** The accepting request's W3C trace context (telemetry on), for the drain span's link. */
  traceParent?: string;
  /**
   * An earlier due transaction of another lane still credits the balance this item debits: the
   * item may be applied now only if it is not refused without that credit (then the outcome is
   * the one acceptance order gives); if it is, it waits.
   */
  awaitsCredit?: boolean;
}

export interface NewWorkItem {
  workId: string;
  kind: WorkKind;
  transactionId: string;
  groupId: string;
  lane: number;
  runAt: Date;
  options: QueuedOptions;
  /** kind 'transaction': the balances the row debits and credits (for per-balance order). */
  source?: string;
  destination?: string;
  /** Whether this item's lane is not the home lane of its source / destination (`laneOf`). */
  sourceForeign?: boolean;
  destinationForeign?: boolean;
  /** kind commit / void: every balance the settlement gives funds to (one per hold it names). */
  credits?: string[];
  /** The accepting request's W3C trace context (`traceparent`), only while telemetry is on. */
  traceParent?: string;
}

/** What `takeDue` found: the items, and whether more may already be due behind them. */
export interface DueWork {
  items: QueuedWorkItem[];
  more: boolean;
  /**
   * The lane's next group debits a balance that an earlier request in another lane still has to
   * touch: nothing was taken, and the lane must look again once that one is applied.
   */
  blocked: boolean;
}

/** The durable list of accepted work (table `queued_work`). */
export abstract class QueuedWorkRepository {
  abstract insert(tx: Tx, items: NewWorkItem[]): Promise<void>;
  /** Serializes the draining of one lane across processes (transaction-scoped lock). */
  abstract lockLane(tx: Tx, lane: number): Promise<void>;
  /**
   * Due work of a lane, oldest first, whole groups only, at most `limit` groups; a run of
   * transactions, or a single commit / void (which settles in a transaction of its own). The run
   * stops before the first group that debits a balance some earlier-accepted transaction of
   * another lane has yet to debit; an item whose balance an earlier transaction of another lane
   * has yet to credit is marked `awaitsCredit` (so each balance's outcomes are those of
   * acceptance order).
   * `more`: whether more work may already be due behind it (the limit was reached, or a commit /
   * void waits after the run), so the drain should look again at once.
   */
  abstract takeDue(tx: Tx, lane: number, now: Date, limit: number): Promise<DueWork>;
  /** Every item of one group, with its rows (for rejecting a group that keeps failing). */
  abstract groupItems(tx: Tx, groupId: string): Promise<QueuedWorkItem[]>;
  /**
   * Records a failed attempt on every item of a group, in its own database transaction; returns
   * the group's attempts so far.
   */
  abstract recordFailure(groupId: string, error: string): Promise<number>;
  /** Serializes work on one key (a hold id) for the rest of the database transaction. */
  abstract lockKey(tx: Tx, key: string): Promise<void>;
  /** Moves an item to a later time (a commit waiting for its hold to be applied first). */
  abstract postpone(tx: Tx, workId: string, runAt: Date): Promise<void>;
  /** Removes finished work. */
  abstract remove(tx: Tx, workIds: string[]): Promise<void>;
  /** Commit / void work already waiting for this id (a second one is refused). */
  abstract pendingAction(tx: Tx, transactionId: string): Promise<boolean>;
  /**
   * When the earliest of the rows that will become holds, named by this id, is due to be applied,
   * or null when none waits: the row, its group, the rows of a queued request or batch
   * (queued_parent), the legs of a split (parent_transaction).
   */
  abstract pendingHoldsDue(tx: Tx, id: string): Promise<Date | null>;
  /** Source and destination of the queued rows, not applied yet, that will become holds `id` names. */
  abstract pendingHoldEnds(tx: Tx, id: string): Promise<{ source: string; destination: string }[]>;
  /** Lanes with work due at `now` (older than `olderThan` when given), and how many rows. */
  abstract dueLanes(now: Date, olderThan?: Date): Promise<{ lane: number; count: number }[]>;
  /** Σ precise_amount of queued transactions not yet applied that debit each balance. */
  abstract queuedDebits(tx: Tx, balanceIds: string[]): Promise<Map<string, bigint>>;
  /** Σ precise_amount of pending queued transactions that debit and credit one balance. */
  abstract queuedAmounts(balanceId: string): Promise<{ debit: bigint; credit: bigint }>;
  /** Rows waiting (for back-pressure). */
  abstract pendingCount(): Promise<number>;
  /**
   * Records the lane count work is routed with. Pending work routed with another count would
   * never drain (or drain out of order), so a different count is refused while work is pending.
   * @throws Error naming both counts (a start-up refusal, not a request's).
   */
  abstract claimLaneCount(lanes: number): Promise<void>;
  /** A queued bulk batch whose end has an event, written with its QUEUED rows. */
  abstract recordBatch(tx: Tx, batch: TrackedBatch): Promise<void>;
  /**
   * Marks every tracked batch with no work left as finished (with how many of its rows were
   * rejected and the first reason), which writes its event; returns how many. Exactly once per
   * batch, whichever process runs it.
   */
  abstract finishBatches(): Promise<number>;
}
