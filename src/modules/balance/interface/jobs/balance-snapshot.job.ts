import { Injectable, Logger, Optional } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { ErrorNotifier } from '../../../notification/application/ports/error-notifier';
import { BalanceSnapshotsUseCase } from '../../application/balance-history.use-cases';
import { SnapshotSchedule } from '../../application/snapshot-schedule';
import { dailyRunIsDue, nextDailyRun } from '../../domain/balance-history';

/**
 * The daily snapshot run (`balance_snapshots.*`), beyond Blnk, which leaves it to a cron job.
 * It runs at the configured UTC time, and once at start when that time has passed today (a
 * process that was down then catches up; a day already done costs one scan). Any number of
 * processes may run it: their batches take turns under an advisory lock and a balance gets one
 * snapshot a day. A failed run is logged, reported, and tried again the next day.
 */
@Injectable()
export class BalanceSnapshotJob {
  private readonly logger = new Logger('BalanceSnapshots');

  constructor(
    private readonly snapshots: BalanceSnapshotsUseCase,
    private readonly clock: Clock,
    private readonly notifier: ErrorNotifier,
    // Provided from configuration by the composition root; absent = no schedule (tests).
    @Optional() private readonly schedule: SnapshotSchedule = new SnapshotSchedule(),
  ) {}

  /** Starts the schedule; the function returned stops it after the batch under way. */
  async start(): Promise<() => Promise<void>> {
    if (!this.schedule.enabled) return async () => undefined;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let current: Promise<void> = Promise.resolve();
    const runOnce = async () => {
      try {
        const n = await this.snapshots.run(this.schedule.batchSize, undefined, () => stopped);
        this.logger.log(`balance snapshots taken: ${n}`);
      } catch (e) {
        this.logger.error(`balance snapshots failed: ${e instanceof Error ? e.message : e}`);
        this.notifier.notify(e, 'balance snapshots failed');
      }
    };
    const plan = () => {
      if (stopped) return;
      const now = this.clock.now();
      const wait = nextDailyRun(now, this.schedule.minuteOfDay).getTime() - now.getTime();
      timer = setTimeout(() => {
        current = runOnce().then(plan);
      }, wait);
      timer.unref();
    };
    if (dailyRunIsDue(this.clock.now(), this.schedule.minuteOfDay)) {
      current = runOnce().then(plan);
    } else {
      plan();
    }
    return async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
    };
  }
}
