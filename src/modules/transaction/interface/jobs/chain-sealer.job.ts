import { Injectable, Logger } from '@nestjs/common';
import { ErrorNotifier } from '../../../notification/application/ports/error-notifier';
import { ChainSettings } from '../../application/chain/chain-settings';
import { SealChainUseCase } from '../../application/chain/seal-chain.use-case';

/**
 * The hash-chain sealer (transaction.hash_chain.*): seals at once again while a round fills its
 * batch, else waits `poll_interval`. Any number of processes may run it: a round that finds the
 * chain head taken by another does nothing. A failed round is logged and tried again later.
 */
@Injectable()
export class ChainSealerJob {
  private readonly logger = new Logger('ChainSealer');

  constructor(
    private readonly seal: SealChainUseCase,
    private readonly settings: ChainSettings,
    private readonly notifier: ErrorNotifier,
  ) {}

  /** Starts the loop; the function returned stops it after the round under way. */
  async start(): Promise<() => Promise<void>> {
    if (!this.settings.enabled) return async () => undefined;
    let stopped = false;
    let wake: (() => void) | undefined;
    const loop = (async () => {
      while (!stopped) {
        let full = false;
        try {
          full = (await this.seal.sealRound()) === this.settings.batchSize;
        } catch (e) {
          this.logger.warn(`sealing failed: ${e instanceof Error ? e.message : String(e)}`);
          this.notifier.notify(e, 'sealing the hash chain failed');
        }
        if (full || stopped) continue;
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, this.settings.pollMs).unref();
        });
      }
    })();
    return async () => {
      stopped = true;
      wake?.();
      await loop;
    };
  }
}
