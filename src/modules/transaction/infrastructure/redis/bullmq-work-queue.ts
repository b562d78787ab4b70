import { Logger } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
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

/**
 * One BullMQ queue per lane (`<prefix>:lane-<k>`), consumed with concurrency 1 per process; the
 * drain itself takes a PostgreSQL lock per lane, so several worker processes never apply one
 * lane's work at once. A job is only a wake-up call: its id deduplicates signals of one request,
 * and retries, stalls and losses are harmless because the work lives in PostgreSQL.
 */
export class BullMqWorkQueue extends WorkQueue {
  private readonly logger = new Logger('BullMqWorkQueue');
  private readonly connection: IORedis;
  private readonly queues: Queue[];
  private workers: Worker[] = [];
  private readonly connections: IORedis[] = [];

  constructor(private readonly settings: BullMqSettings) {
    super();
    this.connection = connectRedis(settings.dsn);
    this.queues = Array.from(
      { length: settings.lanes },
      (_, k) => new Queue(`lane-${k}`, { connection: this.connection, prefix: settings.prefix }),
    );
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

  /**
   * Signals that arrive while a lane drains are coalesced into the lane's one drain loop
   * (`DrainLoops`): a burst of N signals costs one or two drains, not N database transactions. A
   * job completes only when a drain that began after it arrived has finished, and a failed drain
   * fails the jobs waiting on it, so BullMQ retries them (as it does a crashed worker's).
   */
  async consume(drain: (lane: number) => Promise<void>): Promise<() => Promise<void>> {
    const loops = new DrainLoops(drain, (_lane, e) => {
      throw e;
    });
    const workers = this.queues.map(
      (_, k) =>
        new Worker(`lane-${k}`, async () => loops.wake(k), {
          connection: this.track(connectRedis(this.settings.dsn)),
          prefix: this.settings.prefix,
          // Jobs of one lane are taken concurrently only to be coalesced into its one drain loop.
          concurrency: 64,
        }),
    );
    for (const w of workers) w.on('error', (e) => this.logger.error(`worker error: ${e.message}`));
    this.workers.push(...workers);
    return async () => {
      await Promise.all(workers.map((w) => w.close()));
      this.workers = this.workers.filter((w) => !workers.includes(w));
    };
  }

  private track(c: IORedis): IORedis {
    this.connections.push(c);
    return c;
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

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all(this.queues.map((q) => q.close()));
    for (const c of [this.connection, ...this.connections]) c.disconnect();
  }
}
