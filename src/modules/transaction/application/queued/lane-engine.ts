import { Injectable, Logger, Optional } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { IdGenerator } from '@libs/core/ids';
import type { Tx } from '@libs/core/unit-of-work';
import { LedgerMetrics } from '@libs/telemetry/ledger-metrics';
import { currentTraceParent } from '@libs/telemetry/trace-context';
import { laneOf } from '../../domain/lane';
import { queueBackpressure } from '../../domain/transaction.errors';
import { holdDateWork } from './hold-dates';
import { NewWorkItem, QueuedWorkRepository } from './ports/queued-work.repository';
import { WorkQueue } from './ports/work-queue';
import {
  AppliedHold,
  HoldWork,
  QueuedEngine,
  QueuedRequest,
  QueuedSettlement,
  TrackedBatch,
  Wakeups,
} from './queued-engine';
import { QueueSettings } from './queue-settings';
import { queuedRowWork } from './queued-rows';
import { signalFailed } from './signals';

/**
 * The queued engine over lanes: accepted work becomes work items (table `queued_work`) in the
 * lane of the balance it debits, written in the accepting database transaction; wake-up signals
 * (`WorkQueue`) follow the commit. Workers drain lanes (`DrainLaneUseCase`) in per-balance
 * acceptance order; the sweep and `POST /transactions/recover` re-drive lost signals.
 *
 * With telemetry on, each item carries the accepting request's trace context (a typed column),
 * which the drain batch's span links to; accepted rows are counted once their transaction has
 * committed (`wake`).
 */
@Injectable()
export class LaneEngine extends QueuedEngine {
  private readonly logger = new Logger('QueuedEngine');

  constructor(
    private readonly work: QueuedWorkRepository,
    private readonly queue: WorkQueue,
    private readonly settings: QueueSettings,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    @Optional() private readonly metrics: LedgerMetrics = LedgerMetrics.none,
  ) {
    super();
  }

  async admit(): Promise<void> {
    const max = this.settings.maxPending;
    if (max > 0 && (await this.work.pendingCount()) >= max) throw queueBackpressure();
  }

  /**
   * Without `groupId` each request is its own group in the lane of its first source; with it
   * (an atomic batch) all of them are one group in the lane of the first request's source.
   */
  async acceptRequests(tx: Tx, requests: QueuedRequest[], groupId?: string): Promise<Wakeups> {
    if (!requests.length) return Wakeups.none;
    const lanes = this.settings.lanes;
    const groupLane = laneOf(requests[0].rows[0].source, lanes);
    const items: NewWorkItem[] = [];
    const signals: Wakeups['signals'][number][] = [];
    const active = currentTraceParent();
    for (const r of requests) {
      const lane = groupId ? groupLane : laneOf(r.rows[0].source, lanes);
      const group = groupId ?? r.id;
      const traceParent = r.traceParent ?? active;
      const own = queuedRowWork(r.rows, { groupId: group, lane, runAt: r.runAt, lanes });
      signals.push({ lane, key: group, runAt: r.runAt });
      if (r.flags) {
        const dated = holdDateWork(r.flags, r.id, lane, () => this.ids.next('act'));
        own.push(...dated);
        signals.push(...dated.map((w) => ({ lane, key: w.workId, runAt: w.runAt })));
      }
      for (const item of own) items.push(traceParent ? { ...item, traceParent } : item);
    }
    await this.work.insert(tx, items);
    return new Wakeups(
      signals,
      requests.flatMap((r) => r.rows),
    );
  }

  trackBatch(tx: Tx, batch: TrackedBatch): Promise<void> {
    return this.work.recordBatch(tx, batch);
  }

  async scheduleHoldDates(tx: Tx, holds: AppliedHold[]): Promise<Wakeups> {
    const items = holds.flatMap((h) =>
      holdDateWork(h.flags, h.holdId, laneOf(h.source, this.settings.lanes), () =>
        this.ids.next('act'),
      ),
    );
    if (!items.length) return Wakeups.none;
    await this.work.insert(tx, items);
    return new Wakeups(items.map((w) => ({ lane: w.lane, key: w.workId, runAt: w.runAt })));
  }

  async acceptSettlement(tx: Tx, s: QueuedSettlement): Promise<Wakeups> {
    const workId = this.ids.next('act');
    const lane = laneOf(s.source, this.settings.lanes);
    // Queued "now": the work is due at once, after everything accepted before it in its lane.
    const runAt = this.clock.now();
    await this.work.insert(tx, [
      {
        workId,
        kind: s.action,
        transactionId: s.holdId,
        groupId: workId,
        lane,
        runAt,
        options: s.options,
        credits: s.credits,
        traceParent: currentTraceParent(),
      },
    ]);
    return new Wakeups([{ lane, key: workId, runAt }]);
  }

  /**
   * A lost signal only delays the work until the sweep finds it, so failures are logged, never
   * thrown. One wake-up per lane is enough for everything due now; dated work keeps its own.
   */
  async wake(w: Wakeups): Promise<void> {
    if (w.accepted.length) this.metrics.rows(w.accepted);
    const now = this.clock.now().getTime();
    const due = new Set<number>();
    const needed = w.signals.filter((s) => {
      if (s.runAt.getTime() > now) return true;
      if (due.has(s.lane)) return false;
      due.add(s.lane);
      return true;
    });
    await Promise.all(
      needed.map((s) =>
        this.queue
          .signal(s.lane, s.key, s.runAt)
          .catch((e: unknown) => this.logger.warn(signalFailed(s.lane, e))),
      ),
    );
  }

  async reservedDebits(tx: Tx, balanceIds: string[]): Promise<Map<string, bigint> | undefined> {
    if (!this.settings.queuedChecks) return undefined;
    return this.work.queuedDebits(tx, balanceIds);
  }

  holdWork(tx: Tx, holdId: string): HoldWork {
    const work = this.work;
    return {
      lock: () => work.lockKey(tx, holdId),
      waiting: async () => (await work.pendingHoldsDue(tx, holdId)) !== null,
      settlementWaiting: () => work.pendingAction(tx, holdId),
      waitingMember: async () => (await work.groupItems(tx, holdId)).find((i) => i.row)?.row,
      waitingEnds: () => work.pendingHoldEnds(tx, holdId),
    };
  }
}
