import { Logger } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import IORedis, { RedisOptions } from 'ioredis';
import { WorkQueue } from '../../application/ports/work-queue';

export interface BullMqSettings {
  /** Redis DSN: `host:port`, `redis://[:pass@]host:port/db` or `rediss://…` (reference §10.2). */
  dsn: string;
  lanes: number;
  /** Key prefix, so several deployments (or test runs) can share one Redis. */
  prefix: string;
}

export function redisOptions(dsn: string): { url?: string; options: RedisOptions } {
  const options: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true };
  if (/^rediss?:\/\//.test(dsn)) return { url: dsn, options };
  const at = dsn.lastIndexOf('@');
  const password = at >= 0 ? dsn.slice(0, at) : undefined;
  const [host, port] = (at >= 0 ? dsn.slice(at + 1) : dsn).split(':');
  return { options: { ...options, host, port: Number(port || 6379), password } };
}

function connect(dsn: string): IORedis {
  const { url, options } = redisOptions(dsn);
  return url ? new IORedis(url, options) : new IORedis(options);
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
    this.connection = connect(settings.dsn);
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

  async consume(drain: (lane: number) => Promise<void>): Promise<() => Promise<void>> {
    const workers = this.queues.map(
      (_, k) =>
        new Worker(`lane-${k}`, async () => drain(k), {
          connection: this.track(connect(this.settings.dsn)),
          prefix: this.settings.prefix,
          concurrency: 1,
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
