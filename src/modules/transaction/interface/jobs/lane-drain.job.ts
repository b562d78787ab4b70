import { Injectable } from '@nestjs/common';
import { BackgroundJob } from '@libs/core/background-job';
import { ErrorNotifier } from '../../../notification/application/ports/error-notifier';
import { DrainLaneUseCase } from '../../application/queued/drain-lane.use-case';
import { WorkQueue } from '../../application/queued/ports/work-queue';
import { QueueSettings } from '../../application/queued/queue-settings';

/**
 * Consumes lane signals (BullMQ jobs with Redis, in-process ones without) by draining the lane.
 * A failed drain is reported and thrown back to the queue, which tries the signal again. At most
 * `queue.transaction_worker_concurrency` lanes drain at once in this process.
 */
@Injectable()
export class LaneDrainJob extends BackgroundJob {
  constructor(
    private readonly queue: WorkQueue,
    private readonly drain: DrainLaneUseCase,
    private readonly notifier: ErrorNotifier,
    private readonly settings: QueueSettings,
  ) {
    super();
  }

  start(): Promise<() => Promise<void>> {
    return this.queue.consume(async (lane) => {
      try {
        await this.drain.execute(lane);
      } catch (e) {
        this.notifier.notify(e, `draining lane ${lane} failed`);
        throw e;
      }
    }, this.settings.drainConcurrency);
  }
}
