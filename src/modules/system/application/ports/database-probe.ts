/** Waiting queued work of one lane. */
export interface LaneBacklog {
  lane: number;
  depth: number;
  /** Seconds since the oldest waiting item was accepted (0 when none). */
  oldestAgeSeconds: number;
}

/** The connection pool of this process. */
export interface PoolUsage {
  max: number;
  total: number;
  idle: number;
  waiting: number;
}

/** Port: can the database answer, and what operations read of it (readiness, /metrics). */
export abstract class DatabaseProbe {
  /** Resolves true when a trivial query answers within `timeoutMs`. Never throws. */
  abstract ping(timeoutMs: number): Promise<boolean>;
  /** Names of the migrations this build has that the database has not applied. */
  abstract pendingMigrations(): Promise<string[]>;
  /** Accepted queued work not yet applied (what back-pressure counts). */
  abstract pendingWork(): Promise<number>;
  /** Waiting work per lane (lanes without work are left out). */
  abstract laneBacklog(): Promise<LaneBacklog[]>;
  /** Outbox events (webhook deliveries) by status: pending, delivered, failed, skipped. */
  abstract webhookOutcomes(): Promise<Record<string, number>>;
  /** Connections of this process's pool, now. */
  abstract poolUsage(): PoolUsage;
}
