import { Injectable, Logger, Optional } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { BackgroundJob, pollingLoop } from '@libs/core/background-job';
import { WebhookSettings } from '../../application/webhook-settings';
import { WebhookRelayRounds } from './webhook-relay.rounds';
import { RELAY_QUEUE, RELAY_SCHEDULER, WebhookRelayProcessor } from './webhook-relay.processor';

/**
 * The outbox relay. With Redis (worker processes) its rounds are ticks of a BullMQ job scheduler
 * taken by `WebhookRelayProcessor`; without Redis, a polling loop: again at once while it finds
 * events, else after `pollMs`. Either way a failed round is logged and the next one retries.
 */
@Injectable()
export class WebhookRelayJob extends BackgroundJob {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly rounds: WebhookRelayRounds,
    private readonly settings: WebhookSettings,
    @Optional() private readonly processor?: WebhookRelayProcessor,
    @Optional() @InjectQueue(RELAY_QUEUE) private readonly queue?: Queue,
  ) {
    super();
  }

  async start(): Promise<() => Promise<void>> {
    const onError = (e: unknown) =>
      this.logger.warn(`webhook relay round failed: ${e instanceof Error ? e.message : String(e)}`);
    this.rounds.resume();
    if (!this.processor || !this.queue) {
      return pollingLoop(
        () => this.rounds.round(),
        () => this.settings.pollMs,
        onError,
      );
    }
    // Every worker process upserts the same scheduler: one tick per pollMs for all of them.
    await this.queue.upsertJobScheduler(
      RELAY_SCHEDULER,
      { every: this.settings.pollMs },
      { name: 'relay', opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
    const worker = this.processor.worker;
    worker.on('failed', (_job, e) => onError(e));
    worker.run().catch(onError);
    return async () => {
      this.rounds.stop();
      await worker.close();
    };
  }
}
