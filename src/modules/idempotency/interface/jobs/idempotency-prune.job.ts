import { Injectable, Logger } from '@nestjs/common';
import { IdempotencyService } from '../../application/idempotency.service';
import { IdempotencySettings } from '../../application/idempotency-settings';

/**
 * Deletes keys older than `idempotency.retention`, at start and every `pruneIntervalMs`. An
 * expired key is already ignored by every lookup; this only gives the space back. Any number of
 * processes may run it: each deletes rows the others have not locked (SKIP LOCKED).
 */
@Injectable()
export class IdempotencyPruneJob {
  private readonly logger = new Logger('Idempotency');

  constructor(
    private readonly service: IdempotencyService,
    private readonly settings: IdempotencySettings,
  ) {}

  /** Starts the job; the function returned stops it after the round under way. */
  async start(): Promise<() => Promise<void>> {
    let stopped = false;
    let current: Promise<void> = Promise.resolve();
    const round = async () => {
      try {
        const n = await this.service.prune();
        if (n) this.logger.log(`expired idempotency keys deleted: ${n}`);
      } catch (e) {
        this.logger.warn(`pruning idempotency keys failed: ${e instanceof Error ? e.message : e}`);
      }
    };
    const timer = setInterval(() => {
      if (!stopped) current = current.then(round);
    }, this.settings.pruneIntervalMs);
    timer.unref();
    current = round();
    return async () => {
      stopped = true;
      clearInterval(timer);
      await current;
    };
  }
}
