import { Injectable, Logger } from '@nestjs/common';
import { DocumentSink } from '../../application/ports/document-sink';
import { IndexQueue } from '../../application/ports/index-queue';
import { SearchIndexer } from '../../application/search-indexer';
import { SearchSettings } from '../../application/search-settings';

/**
 * Keeps Typesense in step with the tables (nothing to do without Typesense). Rounds follow each
 * other at once while there is work, then every `pollMs`; while Typesense fails, the pause
 * doubles up to `maxBackoffMs` and the queue keeps every change until it is back. Collections
 * are ensured before the first round, and again after a failure.
 */
@Injectable()
export class SearchIndexerJob {
  private readonly logger = new Logger('Search');

  constructor(
    private readonly indexer: SearchIndexer,
    private readonly queue: IndexQueue,
    private readonly sink: DocumentSink,
    private readonly settings: SearchSettings,
  ) {}

  async start(): Promise<() => Promise<void>> {
    // The feed's triggers run exactly when Typesense is configured; turned on, what exists
    // already is queued once (the queue is durable, so a crash in between loses nothing).
    if (await this.queue.setEnabled(this.sink.stores)) {
      const n = await this.queue.enqueueAll();
      this.logger.log(`search feed on: ${n} documents queued for Typesense`);
    }
    if (!this.sink.stores) return async () => undefined;
    let stopped = false;
    let wake: (() => void) | undefined;
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, ms).unref();
      });
    const loop = (async () => {
      let ensured = false;
      let backoff = 0;
      while (!stopped) {
        let n: number;
        try {
          if (!ensured) {
            await this.sink.ensureCollections();
            ensured = true;
          }
          n = await this.indexer.round();
          backoff = 0;
        } catch (e) {
          ensured = false;
          backoff = Math.min(Math.max(backoff * 2, 250), this.settings.maxBackoffMs);
          this.logger.warn(
            `indexing failed, retrying in ${backoff} ms: ${e instanceof Error ? e.message : e}`,
          );
          await sleep(backoff);
          continue;
        }
        if (!n && !stopped) await sleep(this.settings.pollMs);
      }
    })();
    return async () => {
      stopped = true;
      wake?.();
      await loop;
    };
  }
}
