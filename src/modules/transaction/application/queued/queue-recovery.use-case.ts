import { Injectable, Logger } from '@nestjs/common';
import { signalFailed } from './signals';
import { Clock } from '@libs/core/clock';
import { QueuedWorkRepository } from './ports/queued-work.repository';
import { WorkQueue } from './ports/work-queue';

/**
 * Re-drives work whose signal was lost (Redis restarted or flushed, a worker died): the work list
 * is in PostgreSQL, so recovery is only a matter of signalling the lanes that still have due work.
 */
@Injectable()
export class QueueRecoveryUseCase {
  private readonly logger = new Logger('QueueRecovery');

  constructor(
    private readonly work: QueuedWorkRepository,
    private readonly queue: WorkQueue,
    private readonly clock: Clock,
  ) {}

  /** POST /transactions/recover: signals lanes holding work older than `thresholdMs`. */
  async recover(thresholdMs: number): Promise<number> {
    const now = this.clock.now();
    const lanes = await this.work.dueLanes(now, new Date(now.getTime() - thresholdMs));
    await Promise.all(
      lanes.map((l) =>
        this.queue
          .signal(l.lane, `recover:${l.lane}:${now.getTime()}`)
          .catch((e: unknown) => this.logger.warn(signalFailed(l.lane, e))),
      ),
    );
    return lanes.reduce((n, l) => n + l.count, 0);
  }

  /**
   * The periodic sweep run by workers: marks tracked bulk batches whose work is all done as
   * finished (their `bulk_transaction.*` event), and signals every lane that has due work.
   */
  async sweep(): Promise<number> {
    await this.work.finishBatches();
    const now = this.clock.now();
    const lanes = await this.work.dueLanes(now);
    await Promise.all(
      lanes.map((l) =>
        this.queue
          .signal(l.lane, `sweep:${l.lane}:${Math.floor(now.getTime() / 1000)}`)
          .catch((e: unknown) => this.logger.warn(signalFailed(l.lane, e))),
      ),
    );
    return lanes.length;
  }
}
