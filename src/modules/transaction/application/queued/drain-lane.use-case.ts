import { Injectable, Logger, Optional } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { DomainError } from '@libs/core/domain-error';
import { IdGenerator } from '@libs/core/ids';
import { Tx, UnitOfWork } from '@libs/core/unit-of-work';
import { LedgerMetrics } from '@libs/telemetry/ledger-metrics';
import { detached } from '@libs/telemetry/trace-context';
import { toMinorUnits } from '../../domain/amounts';
import { outcomeRow } from '../../domain/rows';
import { QueuedWorkItem, QueuedWorkRepository } from './ports/queued-work.repository';
import { TransactionRepository } from '../ports/transaction.repository';
import { PostingSession, PostingSessions } from '../posting-session';
import { QueueSettings } from './queue-settings';
import { WorkQueue } from './ports/work-queue';
import { HoldSettler } from './queued-engine';
import { signalFailed } from './signals';
import { DrainTelemetry } from './drain-telemetry';

// How long a commit or void waits before looking again for its hold to be applied.
const POSTPONE_MS = 200;
// How long a lane that waits for another lane's earlier work waits before looking again.
const BLOCKED_RETRY_MS = 25;

interface Pass {
  count: number;
  more: boolean;
  /** When to look at the lane again (a postponed commit, a blocked head, a failing item). */
  wakeAt?: Date;
}

/**
 * The worker side of the queued path: applies the due work of one lane in micro-batches. One
 * database transaction takes the lane's lock, the oldest due groups (a request and all its legs),
 * every balance they touch (locked once, in id order), applies them in order in memory, appends
 * one outcome row per queued row (`<reference>_q`: APPLIED, INFLIGHT or REJECTED with its reason),
 * deletes the work and commits. A hot balance is locked once per batch, not once per transaction.
 *
 * A crash anywhere rolls the batch back and the work stays to be applied again; once committed the
 * work is gone, so nothing is ever applied twice. A batch that fails for any other reason than a
 * refusal is retried with its first group alone; a group that keeps failing is recorded
 * (attempts, last error) and, after `maxAttempts`, rejected with the error as its reason, so the
 * lane moves on instead of retrying the same batch forever.
 *
 * Each batch attempt has a span linked to the requests it serves, and is counted (size,
 * duration, result, the outcomes it committed): `DrainTelemetry`.
 */
@Injectable()
export class DrainLaneUseCase {
  private readonly logger = new Logger('DrainLane');

  constructor(
    private readonly uow: UnitOfWork,
    private readonly sessions: PostingSessions,
    private readonly transactions: TransactionRepository,
    private readonly work: QueuedWorkRepository,
    private readonly settings: QueueSettings,
    private readonly holds: HoldSettler,
    private readonly queue: WorkQueue,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    @Optional() private readonly metrics: LedgerMetrics = LedgerMetrics.none,
  ) {}

  /** Drains everything due in `lane`; returns the number of queued items applied or rejected. */
  execute(lane: number): Promise<number> {
    return detached(() => this.drain(lane));
  }

  private async drain(lane: number): Promise<number> {
    let total = 0;
    let wakeAt: Date | undefined;
    // Until nothing more is due. Work committed after the last look brings its own signal, and
    // the queue drains the lane again for it, so no empty round is needed to be sure.
    for (;;) {
      const pass = await this.pass(lane);
      total += pass.count;
      if (pass.wakeAt && (!wakeAt || pass.wakeAt < wakeAt)) wakeAt = pass.wakeAt;
      if (!pass.more) break;
    }
    if (wakeAt) {
      await this.queue
        .signal(lane, `wake:${lane}:${wakeAt.getTime()}`, wakeAt)
        .catch((e: unknown) => this.logger.warn(signalFailed(lane, e)));
    }
    return total;
  }

  private async pass(lane: number): Promise<Pass> {
    try {
      return await this.attempt(lane, this.settings.batchSize);
    } catch (first) {
      this.logger.error(
        `lane ${lane}: batch failed, retrying its first group alone: ${text(first)}`,
      );
    }
    try {
      // Most likely one group is at fault; alone, the others are not held back by it.
      return await this.attempt(lane, 1);
    } catch (e) {
      return this.failed(lane, e);
    }
  }

  /** One batch in its own database transaction, reported once that transaction has ended. */
  private async attempt(lane: number, limit: number): Promise<Pass> {
    const t = new DrainTelemetry(lane, this.metrics);
    try {
      const pass = await this.uow.run((tx) => this.batch(tx, lane, limit, t));
      t.committed();
      return pass;
    } catch (e) {
      t.failed(e);
      throw e;
    }
  }

  /** The head group failed alone: record it, and reject it once it has failed too often. */
  private async failed(lane: number, error: unknown): Promise<Pass> {
    const head = await this.uow.run(async (tx) => {
      const { items } = await this.work.takeDue(tx, lane, this.clock.now(), 1);
      return items[0];
    });
    if (!head) throw error;
    const attempts = await this.work.recordFailure(head.groupId, text(error));
    // Gone in the meantime (another process applied or rejected it): look again.
    if (attempts === 0) return { count: 0, more: true };
    this.logger.error(
      `lane ${lane}: ${head.kind} ${head.transactionId} (group ${head.groupId}) failed ` +
        `(attempt ${attempts} of ${this.settings.maxAttempts}): ${text(error)}`,
    );
    if (attempts < this.settings.maxAttempts) {
      const backoff = Math.min(100 * 2 ** (attempts - 1), 5000);
      return { count: 0, more: false, wakeAt: new Date(Date.now() + backoff) };
    }
    const reason = `failed ${attempts} times: ${text(error)}`;
    const t = new DrainTelemetry(lane, this.metrics);
    const count = await this.uow.run((tx) => this.reject(tx, head.groupId, reason, t));
    t.committed();
    this.logger.error(`lane ${lane}: group ${head.groupId} rejected: ${reason}`);
    return { count, more: true };
  }

  /** Gives up on a group: every queued row gets a REJECTED outcome, and its work is removed. */
  private async reject(
    tx: Tx,
    groupId: string,
    reason: string,
    t: DrainTelemetry,
  ): Promise<number> {
    await this.work.lockKey(tx, groupId);
    const items = await this.work.groupItems(tx, groupId);
    if (!items.length) return 0;
    return t.within(items, async () => {
      const now = this.clock.now();
      const rejected = items
        .filter((i) => i.row)
        .map((i) => outcomeRow(i.row!, this.ids.next('txn'), now, reason));
      for (const r of rejected)
        t.outcome({ status: r.status, currency: r.currency, reason: 'MAX_ATTEMPTS' });
      await this.transactions.insert(tx, rejected);
      await this.work.remove(
        tx,
        items.map((i) => i.workId),
      );
      return items.length;
    });
  }

  private async batch(tx: Tx, lane: number, limit: number, t: DrainTelemetry): Promise<Pass> {
    await this.work.lockLane(tx, lane);
    const now = this.clock.now();
    const { items, more, blocked } = await this.work.takeDue(tx, lane, now, limit);
    if (blocked) {
      return { count: 0, more: false, wakeAt: new Date(now.getTime() + BLOCKED_RETRY_MS) };
    }
    if (!items.length) return { count: 0, more: false };
    return t.within(items, () =>
      items[0].kind !== 'transaction'
        ? this.settle(tx, items[0], now, more)
        : this.apply(tx, items, now, more, t),
    );
  }

  /** A run of transactions: every balance locked once, groups applied in order, one flush. */
  private async apply(
    tx: Tx,
    items: QueuedWorkItem[],
    now: Date,
    more: boolean,
    t: DrainTelemetry,
  ): Promise<Pass> {
    const session = this.sessions.start(tx);
    await session.open(
      [],
      items.flatMap((i) => [i.row!.source, i.row!.destination]),
    );
    const applied: QueuedWorkItem[] = [];
    let deferred = false;
    for (const group of groupsOf(items)) {
      if (!this.applyGroup(session, group, now, t)) {
        deferred = true;
        break;
      }
      applied.push(...group);
    }
    if (applied.length) {
      await this.work.remove(
        tx,
        applied.map((i) => i.workId),
      );
      await session.flush();
    }
    if (deferred) {
      // A debit that would be refused before an earlier credit from another lane has landed:
      // the lane stops there and looks again shortly.
      return {
        count: applied.length,
        more: false,
        wakeAt: new Date(now.getTime() + BLOCKED_RETRY_MS),
      };
    }
    return { count: items.length, more };
  }

  /**
   * A queued commit or void (or an expiry / auto-commit date that has come). It waits while the
   * hold itself still waits to be applied: looking again shortly, or, for a hold scheduled for
   * later, when the hold is due (not every few hundred milliseconds until then); a refusal (already settled, not inflight, too much) is
   * final and drops the work, as Blnk treats it as done.
   */
  private async settle(tx: Tx, item: QueuedWorkItem, now: Date, more: boolean): Promise<Pass> {
    const holdDue = await this.work.pendingHoldsDue(tx, item.transactionId);
    if (holdDue) {
      const later = new Date(Math.max(now.getTime() + POSTPONE_MS, holdDue.getTime()));
      await this.work.postpone(tx, item.workId, later);
      return { count: 1, more, wakeAt: later };
    }
    try {
      await this.holds.settleDue(tx, {
        id: item.transactionId,
        status: item.kind === 'void' ? 'void' : 'commit',
        preciseAmount: item.options.precise_amount
          ? BigInt(item.options.precise_amount)
          : undefined,
        amount: item.options.amount || undefined,
        actId: item.workId,
      });
    } catch (e) {
      // A refused reference comes from a failed statement: the database transaction is aborted
      // and must be retried, not carried on.
      if (!(e instanceof DomainError) || e.code === 'TXN_DUPLICATE_REFERENCE') throw e;
      this.logger.warn(`queued ${item.kind} of ${item.transactionId} dropped: ${e.message}`);
    }
    await this.work.remove(tx, [item.workId]);
    return { count: 1, more };
  }

  /**
   * A request is all or nothing: if one leg is refused, every leg is REJECTED with its reason.
   * The funds rules are the queued row's own columns, never its metadata. A refused request that
   * debits a balance an earlier request of another lane has yet to credit is not rejected but
   * deferred (returns false, nothing kept): in acceptance order that credit comes first. Applied
   * without it, a request that succeeds has the outcome acceptance order would give, since a
   * credit can only add funds.
   */
  private applyGroup(
    session: PostingSession,
    group: QueuedWorkItem[],
    now: Date,
    t: DrainTelemetry,
  ): boolean {
    const restore = session.checkpoint();
    const outcomes = group.map((i) => outcomeRow(i.row!, this.ids.next('txn'), now));
    try {
      for (const o of outcomes) {
        session.transfer(o, {
          allowOverdraft: o.allowOverdraft,
          overdraftLimit: toMinorUnits(o.overdraftLimit, o.precision),
        });
      }
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      restore();
      if (group.some((i) => i.awaitsCredit)) return false;
      for (const o of outcomes) {
        session.note({ ...o, status: 'REJECTED', rejectionReason: e.message });
        t.outcome({ status: 'REJECTED', currency: o.currency, reason: e.code });
      }
      return true;
    }
    for (const o of outcomes) t.outcome({ status: o.status, currency: o.currency });
    return true;
  }
}

function groupsOf(items: QueuedWorkItem[]): QueuedWorkItem[][] {
  const groups = new Map<string, QueuedWorkItem[]>();
  for (const i of items) {
    const g = groups.get(i.groupId);
    if (g) g.push(i);
    else groups.set(i.groupId, [i]);
  }
  return [...groups.values()];
}

function text(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
