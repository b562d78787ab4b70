import type { Tx } from '@libs/core/unit-of-work';
import type { Transaction, TransactionFlags } from '../../domain/transaction';

/**
 * The queued engine as the submission pipeline sees it: the pipeline hands over what it accepted
 * (QUEUED rows, hold dates, commits and voids), inside its own database transaction, and wakes the
 * engine once that transaction has committed. Lanes, work items, per-balance order, wake-up
 * signals and their failures are the engine's business: nothing of them appears here.
 */
export abstract class QueuedEngine {
  /**
   * Back-pressure: refuses new queued work while too much waits.
   * @throws DomainError 503 when the pending work is over `queue.max_pending`.
   */
  abstract admit(): Promise<void>;

  /**
   * Work for accepted queued requests, each applied all or none. With `groupId` (an atomic batch)
   * all of them form one group, applied all or none together.
   */
  abstract acceptRequests(tx: Tx, requests: QueuedRequest[], groupId?: string): Promise<Wakeups>;

  /** Records a queued bulk batch whose end has an event (its rows are accepted in `tx`). */
  abstract trackBatch(tx: Tx, batch: TrackedBatch): Promise<void>;

  /** The expiry / auto-commit work of holds applied now (the synchronous path). */
  abstract scheduleHoldDates(tx: Tx, holds: AppliedHold[]): Promise<Wakeups>;

  /** A queued commit or void of the hold (or holds) `holdId` names. */
  abstract acceptSettlement(tx: Tx, s: QueuedSettlement): Promise<Wakeups>;

  /** After the commit: wakes what the accepted work needs. Never throws (a failure is logged). */
  abstract wake(w: Wakeups): Promise<void>;

  /**
   * With `transaction.enable_queued_checks`: per balance, the queued debits not applied yet, which
   * a synchronous debit must leave covered. `undefined` when the checks are off.
   */
  abstract reservedDebits(tx: Tx, balanceIds: string[]): Promise<Map<string, bigint> | undefined>;

  /** What the engine still has to do for a hold id (for a queued commit or void). */
  abstract holdWork(tx: Tx, holdId: string): HoldWork;
}

/** Options of queued work that are not columns of a transaction row. */
export interface QueuedOptions {
  /** Commit: minor units to commit ('0' or absent = all that remains), as a string. */
  precise_amount?: string;
  /** Commit: major units, converted with the hold's precision. */
  amount?: string;
  /** Commit / void: set by an expiry or auto-commit date (not a client's request). */
  scheduled?: boolean;
}

/** One accepted queued request. */
export interface QueuedRequest {
  /** Its id (the group of its rows). */
  id: string;
  /** Its QUEUED (or SCHEDULED) rows, balances resolved. */
  rows: Transaction[];
  /** When it is due. */
  runAt: Date;
  /** A queued hold's dates: they settle the hold the request's id names. */
  flags?: TransactionFlags;
  /**
   * The W3C trace context of the request that was accepted (telemetry on), captured in its own
   * context: requests accepted together (group commit) each keep theirs. Absent: the active one.
   */
  traceParent?: string;
}

/** A hold applied on the synchronous path, with the dates that settle it. */
export interface AppliedHold {
  /** The id the hold is known by: the row, or a split's parent. */
  holdId: string;
  /** Its (first) source. */
  source: string;
  flags: TransactionFlags;
}

export interface QueuedSettlement {
  action: 'commit' | 'void';
  /** The id the client named: a hold, a split, a batch, a queued request. */
  holdId: string;
  /** The (first) hold's source. */
  source: string;
  /** Every balance the settlement gives funds to (each hold's destination, or source for a void). */
  credits: string[];
  options: QueuedOptions;
}

/**
 * The engine's view of a hold id, for a queued commit or void. `lock` first: two requests for one
 * hold then take turns, also before the hold has rows to lock.
 */
export interface HoldWork {
  lock(): Promise<void>;
  /** Rows that will become holds named by the id still wait to be applied. */
  waiting(): Promise<boolean>;
  /** A commit or void of the id already waits (a second one is refused). */
  settlementWaiting(): Promise<boolean>;
  /** A queued row that will become one of the holds, if any. */
  waitingMember(): Promise<Transaction | undefined>;
  /** Source and destination of the queued rows, not applied yet, that will become the holds. */
  waitingEnds(): Promise<{ source: string; destination: string }[]>;
}

/**
 * What to do once a database transaction has committed: the lanes to wake, and the rows it
 * accepted (counted then, not before: a rolled-back acceptance is not one). Opaque to the
 * pipeline.
 */
export class Wakeups {
  static readonly none = new Wakeups([]);

  constructor(
    readonly signals: readonly { lane: number; key: string; runAt: Date }[],
    readonly accepted: readonly Pick<Transaction, 'status' | 'currency'>[] = [],
  ) {}

  static all(ws: Wakeups[]): Wakeups {
    return new Wakeups(
      ws.flatMap((w) => w.signals),
      ws.flatMap((w) => w.accepted),
    );
  }
}

/**
 * The pipeline's side of the drain: settling a due commit or void inside the drain's database
 * transaction (implemented by the inflight use case; the engine does not know how holds settle).
 */
export abstract class HoldSettler {
  /** @throws DomainError when the settlement is refused (then the work is dropped). */
  abstract settleDue(tx: Tx, s: DueSettlement): Promise<void>;
}

export interface DueSettlement {
  id: string;
  status: 'commit' | 'void';
  preciseAmount?: bigint;
  /** Major units, as the client sent them (a decimal string). */
  amount?: string;
  /** The work's id, which makes the children's references deterministic. */
  actId: string;
}

/** A queued bulk batch that is `run_async` or atomic (reference §5.11). */
export interface TrackedBatch {
  batchId: string;
  count: number;
  inflight: boolean;
  atomic: boolean;
  runAsync: boolean;
}
