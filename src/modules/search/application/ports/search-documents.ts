import type { CollectionName, SearchDocument } from '../../domain/collections';

/** The documents of reference §12, read from the tables (what the API would show). */
export abstract class SearchDocuments {
  /**
   * The current documents of these entity ids, in scan order (as `scan` would give them); a
   * missing id has no entry. Typesense ranks ties by arrival, so the indexer sends them so.
   */
  abstract load(collection: CollectionName, ids: string[]): Promise<Map<string, SearchDocument>>;

  /** Up to `limit` documents after internal position `after`, in order, with the last position. */
  abstract scan(
    collection: CollectionName,
    after: string,
    limit: number,
  ): Promise<{ docs: SearchDocument[]; last: string | undefined }>;

  abstract count(collection: CollectionName): Promise<number>;
}
