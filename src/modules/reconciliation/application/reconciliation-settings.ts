/**
 * server.max_upload_size_mb, server.upload_whitelist, server.upload_url_timeout_sec and
 * reconciliation.* (reference §10.2). `batchSize` is the checkpoint interval: each batch of
 * external rows commits with its results and its checkpoint. `searchConnections`
 * (reconciliation.search_connections, Neraca's own): connections one batch's search may use at
 * once, never more than the pool has (embedded mode: one).
 */
export class ReconciliationSettings {
  constructor(
    readonly maxUploadMb = 256,
    readonly uploadWhitelist: readonly string[] = [],
    readonly urlTimeoutMs = 30_000,
    readonly batchSize = 1000,
    readonly pollIntervalMs = 1000,
    readonly leaseMs = 60_000,
    readonly maxAttempts = 3,
    readonly searchConnections = 2,
  ) {}
}
