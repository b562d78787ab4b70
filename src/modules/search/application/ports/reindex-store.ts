import type { ReindexRun } from '../../domain/reindex';

/** The latest reindex run and its resume point (`search_reindex`, one row). */
export abstract class ReindexStore {
  /**
   * Starts a run unless one is in progress, atomically across processes.
   * @returns the new run, or `started: false` with the run in progress.
   */
  abstract start(run: {
    batchSize: number;
    totalRecords: number;
    phase: string;
    status: 'in_progress' | 'completed';
  }): Promise<{ started: boolean; run: ReindexRun }>;

  abstract current(): Promise<ReindexRun | undefined>;

  /**
   * Moves the run on from `from` (its phase and position when the batch was read) by `written`
   * records; false when the run is no longer there (finished, or restarted meanwhile).
   */
  abstract advance(
    from: { phase: string; position: string },
    to: { phase: string; position: string },
    written: number,
  ): Promise<boolean>;

  /** Marks the run in progress paused (first pause time kept) or no longer paused (`undefined`). */
  abstract pause(reason: string | undefined): Promise<void>;

  /** Ends the run in progress. */
  abstract finish(status: 'completed' | 'failed', error?: string): Promise<void>;
}
