import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { connectRedis } from '@libs/redis/redis-connection';
import { WorkQueue } from '../../application/queued/ports/work-queue';
import { DrainLoops } from '../drain-loops';

// Kept here too: tests import it from this module.
export { redisOptions } from '@libs/redis/redis-connection';

export interface BullMqSettings {
  /** Redis DSN: `host:port`, `redis://[:pass@]host:port/db` or `rediss://…` (reference §10.2). */
  dsn: string;
  lanes: number;
  /** Key prefix, so several deployments (or test runs) can share one Redis. */
  prefix: string;
}

/** Lane `k`'s BullMQ queue (`<prefix>:lane-<k>` in Redis). */
export const laneQueueName = (lane: number): string => `lane-${lane}`;

/**
 * The one Redis connection of a process's lane queues and of their workers' commands (each
 * worker adds its own blocking connection), closed when the application shuts down.
 */
export class LaneRedis implements OnApplicationShutdown {
  readonly connection: IORedis;

  constructor(dsn: string) {
    this.connection = connectRedis(dsn);
  }

  onApplicationShutdown(): void {
    this.connection.disconnect();
  }
}

/**
 * What consumes a lane: the BullMQ worker of a `@Processor` (interface/jobs/lane.processor.ts),
 * which calls `wake(lane)` for each job.
 */
export interface LaneConsumer {
  readonly lane: number;
  readonly worker: Worker;
}

/**
 * The lane processors of this process and the drain loops they feed. Processors are created
 * with `autorun: false` and run only when the lane drain job starts consuming, so a process that
 * registers them but never consumes takes no job.
 */
@Injectable()
export class LaneWorkers {
  private readonly logger = new Logger('LaneWorkers');
  private readonly consumers: LaneConsumer[] = [];
  private loops?: DrainLoops;

  add(consumer: LaneConsumer): void {
    this.consumers.push(consumer);
  }

  /**
   * Signals that arrive while a lane drains are coalesced into the lane's one drain loop: a burst
   * of N signals costs one or two drains, not N database transactions. A job completes only when
   * a drain that began after it arrived has finished, and a failed drain fails the jobs waiting
   * on it, so BullMQ retries them (as it does a crashed worker's).
   */
  wake(lane: number): Promise<void> {
    if (!this.loops) return Promise.reject(new Error(`lane ${lane} is not being consumed`));
    return this.loops.wake(lane);
  }

  start(drain: (lane: number) => Promise<void>, concurrency: number): () => Promise<void> {
    if (!this.consumers.length) {
      throw new Error('this process has no lane processors: it signals lanes, workers drain them');
    }
    const loops = new DrainLoops(
      drain,
      (_lane, e) => {
        throw e;
      },
      undefined,
      concurrency,
    );
    this.loops = loops;
    const running = this.consumers.map((c) => c.worker);
    for (const w of running) {
      w.run().catch((e: unknown) =>
        this.logger.error(`lane worker stopped: ${e instanceof Error ? e.message : String(e)}`),
      );
    }
    return async () => {
      await Promise.all(running.map((w) => w.close()));
      await loops.settled();
      if (this.loops === loops) this.loops = undefined;
    };
  }
}

/**
 * The producer side of the lanes: one BullMQ queue per lane (Nest's `BullModule` creates them,
 * on the process's `LaneRedis` connection), consumed by the lane processors with concurrency 64
 * per process. The drain itself takes a PostgreSQL lock per lane, so several worker processes
 * never apply one lane's work at once. A job is only a wake-up call: its id deduplicates signals
 * of one request, and retries, stalls and losses are harmless because the work lives in
 * PostgreSQL.
 */
export class BullMqWorkQueue extends WorkQueue {
  private stopConsuming?: () => Promise<void>;

  constructor(
    private readonly queues: Queue[],
    private readonly workers: LaneWorkers,
    private readonly connection: IORedis,
  ) {
    super();
  }

  async signal(lane: number, key: string, runAt?: Date): Promise<void> {
    const delay = runAt ? Math.max(0, runAt.getTime() - Date.now()) : 0;
    await this.queues[lane].add(
      'drain',
      { lane },
      {
        jobId: key.replace(/:/g, '-'),
        delay,
        removeOnComplete: true,
        removeOnFail: 1000,
        attempts: 5,
        backoff: { type: 'exponential', delay: 200 },
      },
    );
  }

  async consume(
    drain: (lane: number) => Promise<void>,
    concurrency: number,
  ): Promise<() => Promise<void>> {
    const stop = this.workers.start(drain, concurrency);
    this.stopConsuming = stop;
    return async () => {
      await stop();
      if (this.stopConsuming === stop) this.stopConsuming = undefined;
    };
  }

  override readonly transport = 'redis';

  /** A PING on the producer connection; commands wait for a connection, so it is raced. */
  override async ping(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, timeoutMs, false)));
    try {
      return await Promise.race([
        this.connection.ping().then(
          (r) => r === 'PONG',
          () => false,
        ),
        late,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Jobs waiting or delayed across lanes (for monitoring). */
  async depth(): Promise<number> {
    const counts = await Promise.all(
      this.queues.map((q) => q.getJobCountByTypes('waiting', 'delayed', 'active')),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Stops consuming; the queues and the connection close with the application. */
  async close(): Promise<void> {
    await this.stopConsuming?.();
  }
}
