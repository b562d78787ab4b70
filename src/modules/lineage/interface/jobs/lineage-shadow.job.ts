import { Injectable, Logger } from '@nestjs/common';
import { BackgroundJob, pollingLoop } from '@libs/core/background-job';
import { ErrorNotifier } from '../../../notification/application/ports/error-notifier';
import { ProjectShadowsUseCase, SHADOW_BATCH } from '../../application/project-shadows.use-case';

/** How long an idle projection waits before looking again (Blnk's lineage poller: 1 s). */
export const SHADOW_POLL_MS = 200;

/**
 * Fund lineage's shadow transactions, posted after commit (ProjectShadowsUseCase): again at once
 * while a round fills its batch, else after SHADOW_POLL_MS. Any number of processes may run it;
 * one projects at a time, the others' rounds do nothing. A failed round is logged and retried.
 */
@Injectable()
export class LineageShadowJob extends BackgroundJob {
  private readonly logger = new Logger('LineageShadow');

  constructor(
    private readonly project: ProjectShadowsUseCase,
    private readonly notifier: ErrorNotifier,
  ) {
    super();
  }

  async start(): Promise<() => Promise<void>> {
    return pollingLoop(
      async () => (await this.project.round()) === SHADOW_BATCH,
      () => SHADOW_POLL_MS,
      (e) => {
        this.logger.warn(`shadow posting failed: ${e instanceof Error ? e.message : String(e)}`);
        this.notifier.notify(e, 'posting fund lineage shadow transactions failed');
      },
    );
  }
}
