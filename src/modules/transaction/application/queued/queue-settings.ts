/** How the queued engine is tuned; built from configuration by the composition root. */
export class QueueSettings {
  constructor(
    /** Number of lanes (queue.number_of_queues). */
    readonly lanes: number = 20,
    /** Most rows one drain applies in one database transaction (transaction.batch_size). */
    readonly batchSize: number = 500,
    /** Pending rows above which new queued requests get 503 (0 = no limit). */
    readonly maxPending: number = 100000,
    /** How often workers re-signal lanes that still have due work. */
    readonly sweepIntervalMs: number = 2000,
    /** transaction.enable_queued_checks: synchronous debits must leave queued debits covered. */
    readonly queuedChecks: boolean = false,
    /** Failed drains of one group before it is rejected (queue.max_retry_attempts). */
    readonly maxAttempts: number = 5,
    /**
     * Lanes one worker process drains at once (queue.transaction_worker_concurrency); the others
     * wait, and what they accept meanwhile joins their next, bigger batch.
     */
    readonly drainConcurrency: number = 4,
  ) {}
}
