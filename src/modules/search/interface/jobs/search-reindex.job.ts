import { Injectable, Logger } from '@nestjs/common';
import { BackgroundJob, pollingLoop } from '@libs/core/background-job';
import { DocumentSink } from '../../application/ports/document-sink';
import { Reindexer } from '../../application/reindexer';
import { SearchSettings } from '../../application/search-settings';

/**
 * Carries out a reindex run started by `POST /search/reindex` or `neraca search reindex`, in
 * whichever worker process gets the lease: a batch, then the next at once; nothing to do, a look
 * every `pollMs`; Typesense away, the run is marked paused and tried again after a pause that
 * doubles up to `maxBackoffMs`. A process that dies mid-run leaves the resume point behind for
 * the next one.
 */
@Injectable()
export class SearchReindexJob extends BackgroundJob {
  private readonly logger = new Logger('SearchReindex');

  constructor(
    private readonly reindexer: Reindexer,
    private readonly sink: DocumentSink,
    private readonly settings: SearchSettings,
  ) {
    super();
  }

  async start(): Promise<() => Promise<void>> {
    if (!this.sink.stores) {
      await this.reindexer.step(); // ends a run left in progress when Typesense was configured
      return async () => undefined;
    }
    let backoff = 0;
    return pollingLoop(
      async () => {
        const step = await this.reindexer.step();
        backoff =
          step === 'paused' ? Math.min(Math.max(backoff * 2, 250), this.settings.maxBackoffMs) : 0;
        return step === 'more';
      },
      () => backoff || this.settings.pollMs,
      (e) => this.logger.warn(`reindex step failed: ${e instanceof Error ? e.message : e}`),
    );
  }
}
