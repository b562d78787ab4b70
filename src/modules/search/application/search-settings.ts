/** `typesense.dns` / `type_sense_key` (reference §10); no DSN = search answered by PostgreSQL. */
export class SearchSettings {
  constructor(
    readonly typesenseDsn = '',
    readonly typesenseKey = 'blnk-api-key',
    /** Indexer: a round at once while the queue has rows, else after this. */
    readonly pollMs = 500,
    /** Longest back-off while Typesense is down. */
    readonly maxBackoffMs = 30_000,
    readonly batchSize = 500,
  ) {}

  get typesense(): boolean {
    return !!this.typesenseDsn;
  }
}
