import { Injectable, Logger } from '@nestjs/common';
import { BackgroundJob, pollingLoop } from '@libs/core/background-job';
import { ErrorNotifier } from '../../../notification/application/ports/error-notifier';
import { ChainSettings } from '../../application/chain/chain-settings';
import { SealChainUseCase } from '../../application/chain/seal-chain.use-case';

/**
 * The hash-chain sealer (transaction.hash_chain.*): seals at once again while a round fills its
 * batch, else waits `poll_interval`. Any number of processes may run it: a round that finds the
 * chain head taken by another does nothing. A failed round is logged and tried again later.
 */
@Injectable()
export class ChainSealerJob extends BackgroundJob {
  private readonly logger = new Logger('ChainSealer');

  constructor(
    private readonly seal: SealChainUseCase,
    private readonly settings: ChainSettings,
    private readonly notifier: ErrorNotifier,
  ) {
    super();
  }

  async start(): Promise<() => Promise<void>> {
    if (!this.settings.enabled) return async () => undefined;
    return pollingLoop(
      async () => (await this.seal.sealRound()) === this.settings.batchSize,
      // A poll_interval of 0 would spin on an idle database.
      () => Math.max(this.settings.pollMs, 50),
      (e) => {
        this.logger.warn(`sealing failed: ${e instanceof Error ? e.message : String(e)}`);
        this.notifier.notify(e, 'sealing the hash chain failed');
      },
    );
  }
}
