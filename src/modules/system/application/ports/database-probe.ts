/** Port: can the database answer? */
export abstract class DatabaseProbe {
  /** Resolves true when a trivial query answers within `timeoutMs`. Never throws. */
  abstract ping(timeoutMs: number): Promise<boolean>;
  /** Names of the migrations this build has that the database has not applied. */
  abstract pendingMigrations(): Promise<string[]>;
  /** Accepted queued work not yet applied (what back-pressure counts). */
  abstract pendingWork(): Promise<number>;
}
