/** Port: can the database answer? */
export abstract class DatabaseProbe {
  /** Resolves true when a trivial query answers within `timeoutMs`. Never throws. */
  abstract ping(timeoutMs: number): Promise<boolean>;
}
