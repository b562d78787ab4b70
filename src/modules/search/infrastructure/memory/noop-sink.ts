import { DocumentSink } from '../../application/ports/document-sink';

/** Without Typesense the PostgreSQL search reads the tables: there is nothing to write. */
export class NoopSink extends DocumentSink {
  readonly stores = false;
  async ensureCollections(): Promise<void> {}
  async drop(): Promise<void> {}
  async upsert(): Promise<void> {}
  async remove(): Promise<void> {}
}
