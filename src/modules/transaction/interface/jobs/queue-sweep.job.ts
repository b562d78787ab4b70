import { Injectable, Logger } from '@nestjs/common';
import { BackgroundJob, pollingLoop } from '@libs/core/background-job';
import { ErrorNotifier } from '../../../notification/application/ports/error-notifier';
import { QueueRecoveryUseCase } from '../../application/queued/queue-recovery.use-case';
import { QueueSettings } from '../../application/queued/queue-settings';

/**
 * Every `queue.sweep_interval`: finishes tracked bulk batches and signals lanes with due work
 * whose signal was lost (Redis flushed, a worker died) or delayed (scheduled work, hold dates).
 */
@Injectable()
export class QueueSweepJob extends BackgroundJob {
  private readonly logger = new Logger('Workers');

  constructor(
    private readonly recovery: QueueRecoveryUseCase,
    private readonly settings: QueueSettings,
    private readonly notifier: ErrorNotifier,
  ) {
    super();
  }

  async start(): Promise<() => Promise<void>> {
    return pollingLoop(
      async () => {
        await this.recovery.sweep();
        return false;
      },
      () => this.settings.sweepIntervalMs,
      (e) => {
        this.logger.warn(`sweep failed: ${e instanceof Error ? e.message : String(e)}`);
        this.notifier.notify(e, 'sweep failed');
      },
    );
  }
}
