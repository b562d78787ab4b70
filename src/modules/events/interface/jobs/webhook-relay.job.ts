import { Injectable, Logger } from '@nestjs/common';
import { BackgroundJob, pollingLoop } from '@libs/core/background-job';
import { WebhookRelay } from '../../application/webhook-relay';
import { WebhookSettings } from '../../application/webhook-settings';

const PRUNE_EVERY_MS = 3_600_000;

/**
 * The outbox relay: delivers due events, at once again while it finds some, else after
 * `pollMs`; prunes delivered ones hourly. A failed round is logged and retried on the next.
 */
@Injectable()
export class WebhookRelayJob extends BackgroundJob {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly relay: WebhookRelay,
    private readonly settings: WebhookSettings,
  ) {
    super();
  }

  async start(): Promise<() => Promise<void>> {
    let lastPrune = 0;
    return pollingLoop(
      async () => {
        const found = await this.relay.deliverDue();
        if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
          lastPrune = Date.now();
          await this.relay.prune();
        }
        return found > 0;
      },
      () => this.settings.pollMs,
      (e) =>
        this.logger.warn(
          `webhook relay round failed: ${e instanceof Error ? e.message : String(e)}`,
        ),
    );
  }
}
