import { Logger } from '@nestjs/common';
import { WorkQueue } from '../../application/queued/ports/work-queue';
import { DrainLoops } from '../drain-loops';

/**
 * Embedded mode (and single-host mode without Redis): signals stay in this process. Each lane
 * drains one at a time, and at most `concurrency` lanes at once; a signal that arrives while its lane drains makes the lane drain again
 * afterwards, so no signal is ever lost between the last look and the end of a drain.
 */
export class InProcessWorkQueue extends WorkQueue {
  private readonly logger = new Logger('InProcessWorkQueue');
  private drain?: (lane: number) => Promise<void>;
  private loops?: DrainLoops;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  async signal(lane: number, _key: string, runAt?: Date): Promise<void> {
    const delay = runAt ? runAt.getTime() - Date.now() : 0;
    if (delay > 0) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.kick(lane);
      }, delay);
      timer.unref();
      this.timers.add(timer);
      return;
    }
    this.kick(lane);
  }

  async consume(
    drain: (lane: number) => Promise<void>,
    concurrency: number,
  ): Promise<() => Promise<void>> {
    this.drain = drain;
    const loops = new DrainLoops(
      (lane) => this.drain?.(lane) ?? Promise.resolve(),
      (lane, e) =>
        // The work stays in the database; the sweep signals the lane again.
        this.logger.error(
          `draining lane ${lane} failed: ${e instanceof Error ? e.message : String(e)}`,
        ),
      () => !this.closed && this.drain !== undefined,
      concurrency,
    );
    this.loops = loops;
    return async () => {
      this.drain = undefined;
      await loops.settled();
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.drain = undefined;
    await this.loops?.settled();
  }

  private kick(lane: number): void {
    if (this.closed || !this.drain || !this.loops) return;
    void this.loops.wake(lane);
  }
}
