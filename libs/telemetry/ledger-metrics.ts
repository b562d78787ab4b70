/** A transaction row reaching a status (QUEUED at acceptance; APPLIED, INFLIGHT, REJECTED). */
export interface CountedRow {
  status: string;
  currency: string;
  /** REJECTED: why, as a bounded code (never the message, which names balances and amounts). */
  reason?: string;
  /**
   * False for a refused `skip_queue` transfer, which wrote nothing: its currency is the client's
   * word, so it may not take one of the bounded currency labels (it counts under `other` unless
   * a stored row already gave that currency its label).
   */
  stored?: boolean;
}

/** One drain batch of a lane: how many items it took, how long it took, how it ended. */
export interface DrainBatch {
  lane: number;
  size: number;
  seconds: number;
  result: 'committed' | 'failed';
}

/**
 * Port: the ledger's counters (GET /metrics, docs/operations.md "Telemetry"). Called on the hot
 * path, after the database transaction that wrote what is counted has committed: synchronous, no
 * I/O. The system module binds it to Prometheus; `LedgerMetrics.none` counts nothing (tests,
 * fakes).
 */
export abstract class LedgerMetrics {
  static readonly none: LedgerMetrics = new (class extends LedgerMetrics {
    rows(): void {}
    drainBatch(): void {}
  })();

  /** Rows that reached a status (and, for REJECTED ones, why). */
  abstract rows(rows: readonly CountedRow[]): void;
  abstract drainBatch(batch: DrainBatch): void;
}
