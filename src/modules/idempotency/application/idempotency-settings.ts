/** `idempotency.retention` (docs/operations.md): how long a key and its answer are kept. */
export class IdempotencySettings {
  constructor(
    readonly retentionMs = 24 * 3600 * 1000,
    /** How often the prune job looks for expired keys. */
    readonly pruneIntervalMs = 10 * 60 * 1000,
  ) {}
}
