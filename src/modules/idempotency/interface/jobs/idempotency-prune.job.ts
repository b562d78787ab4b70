import { Injectable, Logger } from '@nestjs/common';
import { BackgroundJob, pollingLoop } from '@libs/core/background-job';
import { IdempotencyService } from '../../application/idempotency.service';
import { IdempotencySettings } from '../../application/idempotency-settings';

/**
 * Deletes keys older than `idempotency.retention`, at start and every `pruneIntervalMs`. An
 * expired key is already ignored by every lookup; this only gives the space back. Any number of
 * processes may run it: each deletes rows the others have not locked (SKIP LOCKED).
 */
@Injectable()
export class IdempotencyPruneJob extends BackgroundJob {
  private readonly logger = new Logger('Idempotency');

  constructor(
    private readonly service: IdempotencyService,
    private readonly settings: IdempotencySettings,
  ) {
    super();
  }

  async start(): Promise<() => Promise<void>> {
    return pollingLoop(
      async () => {
        const n = await this.service.prune();
        if (n) this.logger.log(`expired idempotency keys deleted: ${n}`);
        return false;
      },
      () => this.settings.pruneIntervalMs,
      (e) =>
        this.logger.warn(`pruning idempotency keys failed: ${e instanceof Error ? e.message : e}`),
    );
  }
}
