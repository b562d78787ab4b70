import { Injectable } from '@nestjs/common';
import { WebhookRelay } from '../../application/webhook-relay';

const PRUNE_EVERY_MS = 3_600_000;

/**
 * One relay round (deliver what is due, prune delivered events hourly), shared by the polling
 * loop (no Redis) and the BullMQ processor (Redis).
 */
@Injectable()
export class WebhookRelayRounds {
  private lastPrune = 0;
  private stopping = false;

  constructor(private readonly relay: WebhookRelay) {}

  /** Delivers due events; true when it found some (there may be more). */
  async round(): Promise<boolean> {
    const found = await this.relay.deliverDue();
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await this.relay.prune();
    }
    return found > 0;
  }

  /** Rounds until nothing is due, or until `stop()`: a tick of the BullMQ processor. */
  async untilIdle(): Promise<void> {
    while (!this.stopping && (await this.round()));
  }

  /** Ends a running `untilIdle` after its current round; `resume()` undoes it. */
  stop(): void {
    this.stopping = true;
  }

  resume(): void {
    this.stopping = false;
  }
}
