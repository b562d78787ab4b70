import type { CollectionName, SearchDocument } from '../../domain/collections';

/**
 * Where indexed documents go. The PostgreSQL search reads the tables themselves, so its sink
 * keeps nothing; the Typesense sink imports the documents.
 */
export abstract class DocumentSink {
  /** Whether documents must be written at all (false: searches read the tables live). */
  abstract readonly stores: boolean;

  /** Creates missing collections (schemas of reference §12). @throws DomainError SRCH_FAILED */
  abstract ensureCollections(): Promise<void>;

  /** Drops a collection and its documents (absent already: nothing to do). @throws DomainError SRCH_UNAVAILABLE, SRCH_FAILED */
  abstract drop(collection: CollectionName): Promise<void>;

  /** Upserts the documents of one collection. @throws DomainError SRCH_FAILED */
  abstract upsert(collection: CollectionName, docs: SearchDocument[]): Promise<void>;

  /** Removes documents whose entity no longer exists. @throws DomainError SRCH_FAILED */
  abstract remove(collection: CollectionName, ids: string[]): Promise<void>;
}
