import { Injectable, Logger, Optional } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { BackgroundJob, pollingLoop } from '@libs/core/background-job';
import { WebhookSettings } from '../../application/webhook-settings';
import { WebhookRelayRounds } from './webhook-relay.rounds';
import { RELAY_QUEUE, RELAY_SCHEDULER, WebhookRelayProcessor } from './webhook-relay.processor';

/** How often a worker upserts the relay's job scheduler again (idempotent). */
const SCHEDULER_REFRESH_MS = 5_000;

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
    // Every worker process upserts the same scheduler: one tick per pollMs for all of them. Again
    // every few seconds, so a Redis that restarted empty (or was flushed) gets it back, as the
    // sweep re-signals lanes. Not awaited: with Redis down the command waits for it, and the
    // other jobs must still start.
    const queue = this.queue;
    const ensure = () =>
      void queue
        .upsertJobScheduler(
          RELAY_SCHEDULER,
          { every: this.settings.pollMs },
          { name: 'relay', opts: { removeOnComplete: true, removeOnFail: 100 } },
        )
        .catch(onError);
    ensure();
    const again = setInterval(ensure, SCHEDULER_REFRESH_MS);
    again.unref();
    const worker = this.processor.worker;
    worker.on('failed', (_job, e) => onError(e));
    worker.run().catch(onError);
    return async () => {
      clearInterval(again);
      this.rounds.stop();
      await worker.close();
    };
  }
}
