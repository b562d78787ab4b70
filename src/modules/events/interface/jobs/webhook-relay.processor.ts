import { Injectable, Logger } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { WebhookRelayRounds } from './webhook-relay.rounds';

/** The relay's BullMQ queue: one repeating job (a job scheduler), the relay's clock. */
export const RELAY_QUEUE = 'webhook-relay';
export const RELAY_SCHEDULER = 'relay';

/**
 * With Redis, the outbox relay of `neraca workers` is driven by this `@nestjs/bullmq` processor:
 * a job scheduler adds one tick every `pollMs` and one worker process takes each, delivering until
 * the outbox has nothing due. Idle workers no longer poll the outbox each (one tick for all of
 * them), a busy worker takes no second tick while its round runs, and the next tick goes to
 * another, so delivery spreads over the workers under load. Which events a round takes is still
 * decided in PostgreSQL (leases, `SKIP LOCKED`), so two rounds never deliver one event at once.
 * Created with `autorun: false`: `WebhookRelayJob` runs and stops it with the other jobs.
 */
@Injectable()
@Processor(RELAY_QUEUE, { autorun: false, concurrency: 1 })
export class WebhookRelayProcessor extends WorkerHost {
  private readonly logger = new Logger('Webhooks');

  constructor(private readonly rounds: WebhookRelayRounds) {
    super();
  }

  async process(): Promise<void> {
    await this.rounds.untilIdle();
  }

  @OnWorkerEvent('error')
  onError(e: Error): void {
    this.logger.error(`webhook relay worker error: ${e.message}`);
  }
}
