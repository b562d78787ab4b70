/**
 * Port: wake-up signals for lanes that have work. A signal carries no money: the work itself is
 * in the database (`QueuedWorkRepository`), so a lost or repeated signal is harmless; it only
 * costs latency until the periodic sweep signals the lane again.
 */
export abstract class WorkQueue {
  /** Asks for lane `lane` to be drained at `runAt` (now when absent). `key` deduplicates. */
  abstract signal(lane: number, key: string, runAt?: Date): Promise<void>;
  /**
   * Starts consuming signals: `drain(lane)` runs for each, never twice at once for one lane in
   * this process, and for at most `concurrency` lanes at once (the others wait their turn).
   * Returns a function that stops consuming.
   */
  abstract consume(
    drain: (lane: number) => Promise<void>,
    concurrency: number,
  ): Promise<() => Promise<void>>;
  abstract close(): Promise<void>;
  /**
   * The service signals travel through (`redis`), or undefined when they stay in this process.
   * Readiness checks it only when there is one.
   */
  readonly transport?: string;
  /** Resolves when the transport answers within `timeoutMs` (in process: at once); never throws. */
  ping(timeoutMs: number): Promise<boolean> {
    void timeoutMs;
    return Promise.resolve(true);
  }
}
