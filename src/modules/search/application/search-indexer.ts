import { Injectable } from '@nestjs/common';
import type { CollectionName } from '../domain/collections';
import { REINDEX_ORDER } from '../domain/reindex';
import { DocumentSink } from './ports/document-sink';
import { IndexQueue, QueuedEntity } from './ports/index-queue';
import { SearchDocuments } from './ports/search-documents';
import { SearchSettings } from './search-settings';

/** How long a round (or a reindex batch) may hold the lease before another process takes it. */
export const INDEXER_LEASE_MS = 60_000;

/**
 * Writes queued changes to Typesense: one round takes the lease, reads the oldest queued
 * entities' current documents, upserts them in dependency order and only then deletes their
 * queue rows. A failure leaves the rows for the next round, so nothing is lost.
 */
@Injectable()
export class SearchIndexer {
  constructor(
    private readonly queue: IndexQueue,
    private readonly documents: SearchDocuments,
    private readonly sink: DocumentSink,
    private readonly settings: SearchSettings,
  ) {}

  /** Entities written this round (0: nothing to do, or another process holds the lease). */
  async round(): Promise<number> {
    const lease = await this.queue.lease(INDEXER_LEASE_MS);
    if (!lease) return 0;
    try {
      const batch = await this.queue.peek(this.settings.batchSize);
      if (!batch.length) return 0;
      const byCollection = new Map<CollectionName, Set<string>>();
      for (const e of batch) {
        if (!byCollection.has(e.collection)) byCollection.set(e.collection, new Set());
        byCollection.get(e.collection)!.add(e.entityId);
      }
      // Every collection, in dependency order (reference §12): what a document names goes first.
      for (const c of REINDEX_ORDER) {
        const ids = [...(byCollection.get(c) ?? [])];
        if (!ids.length) continue;
        const docs = await this.documents.load(c, ids);
        await this.sink.upsert(c, [...docs.values()]);
        const gone = ids.filter((id) => !docs.has(id));
        if (gone.length) await this.sink.remove(c, gone);
      }
      await this.queue.done(batch.map((e: QueuedEntity) => e.seq));
      return batch.length;
    } finally {
      await this.queue.release(lease);
    }
  }
}
