import { parse as losslessParse } from 'lossless-json';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createHttpApp } from '../../src/app/http-app';
import { AuthSettings, RateLimitSettings } from '../../src/modules/auth/auth-settings';
import { createTestDatabase, openDataSource, TestDatabase } from './database';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { WebhookSettings } from '../../src/modules/events/application/webhook-settings';
import { IdempotencySettings } from '../../src/modules/idempotency/application/idempotency-settings';
import { WorkQueue } from '../../src/modules/transaction/application/queued/ports/work-queue';
import { SearchSettings } from '../../src/modules/search/application/search-settings';
import { ReconciliationSettings } from '../../src/modules/reconciliation/application/reconciliation-settings';
import { BackupSettings } from '../../src/modules/backup/application/backup-settings';
import type { TokenKeyProvider } from '../../src/modules/identity/application/ports/token-keys';
import { QueueSettings } from '../../src/modules/transaction/application/queued/queue-settings';
import { InProcessWorkQueue } from '../../src/modules/transaction/infrastructure/memory/in-process-work-queue';
import { redisOptions } from '../../src/modules/transaction/infrastructure/redis/bullmq-work-queue';
import { LaneTransport } from '../../src/modules/transaction/lane-queue.module';
import { closeLanes, startBackgroundWork } from '../../src/app/background';

export const TEST_KEY = 'test-master-key-of-32-characters-at-least';

export interface TestApp {
  url: string;
  key: string;
  app: NestFastifyApplication;
  db: TestDatabase;
  ds: DataSource;
  /** fetch with the master key and JSON handled losslessly by the caller. */
  http: (
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) => Promise<HttpResult>;
  workQueue: WorkQueue;
  /** Redis key prefix of this server's queues (BullMQ only). */
  prefix: string;
  close(): Promise<void>;
}

export interface HttpResult {
  status: number;
  text: string;
  headers: Headers;
  /** Parsed with JSON.parse (fine when no number exceeds 2^53). */
  json: any;
}

/** A real Neraca HTTP server on a loopback port, over a private database. */
export async function startTestApp(
  opts: {
    secure?: boolean;
    bodyLimitMb?: number;
    workers?: boolean;
    queueSettings?: QueueSettings;
    /** Tokenization keys; absent = tokenization disabled. */
    tokenKeys?: TokenKeyProvider;
    rateLimit?: RateLimitSettings;
    /** server.allowed_origins: browser origins that may write. */
    allowedOrigins?: string[];
    /** Webhook delivery of the outbox; absent = no webhook URL. */
    webhooks?: WebhookSettings;
    /** Another server's database, to run a second process over it (not dropped by close()). */
    shareDatabaseOf?: TestApp;
    /** Idempotency-Key retention; absent = the defaults (24 h). */
    idempotency?: IdempotencySettings;
    /** Typesense (a fake's URL); absent = search answered by PostgreSQL. */
    search?: SearchSettings;
    /** Uploads and reconciliation runs; absent = the defaults. */
    reconciliation?: ReconciliationSettings;
    /** backup_dir and S3; absent = a directory under the OS's tmp (the embedded PGlite is passed along). */
    backups?: BackupSettings;
  } = {},
): Promise<TestApp> {
  const shared = opts.shareDatabaseOf?.db;
  const db = shared ?? (await createTestDatabase());
  const ds = await openDataSource(db);
  // BullMQ on the machine's Redis when configured (a key prefix of this run's own), else in-process.
  const redis = process.env.BLNK_REDIS_DNS;
  const prefix = `neraca-test-${randomBytes(4).toString('hex')}`;
  const queueSettings = opts.queueSettings ?? new QueueSettings(8, 500, 100000, 500);
  // BullMQ lane processors in this process too: the test app drains its own lanes.
  const lanes: LaneTransport = redis
    ? { redis: { dsn: redis, lanes: queueSettings.lanes, prefix, consume: true } }
    : { inProcess: new InProcessWorkQueue() };
  const app = await createHttpApp({
    dataSource: ds,
    auth: new AuthSettings(opts.secure ?? true, TEST_KEY, opts.rateLimit),
    lanes,
    queueSettings,
    tokenKeys: opts.tokenKeys,
    bodyLimitMb: opts.bodyLimitMb ?? 5,
    allowedOrigins: opts.allowedOrigins,
    webhooks: opts.webhooks,
    idempotency: opts.idempotency,
    search: opts.search,
    reconciliation: opts.reconciliation,
    backups: {
      settings: opts.backups ?? new BackupSettings(join(tmpdir(), 'neraca-test-backups')),
      embedded: db.pglite,
    },
    logLevels: false,
  });
  const stopWorkers =
    opts.workers === false ? async () => undefined : await startBackgroundWork(app);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  const http = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(url + path, {
      method,
      headers: { 'x-blnk-key': TEST_KEY, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: tests look at `text`.
    }
    return { status: res.status, text, headers: res.headers, json };
  };
  return {
    url,
    key: TEST_KEY,
    app,
    db,
    ds,
    http,
    workQueue: app.get(WorkQueue),
    prefix,
    async close() {
      await stopWorkers();
      await app.close();
      await closeLanes(lanes);
      if (redis) await deleteKeys(redis, prefix);
      await ds.destroy();
      if (!shared) await db.drop();
    },
  };
}

/** A scoped API key made with the master key over HTTP: its id and the key itself. */
export async function createScopedKey(
  t: TestApp,
  scopes: string[],
  owner = 'tests',
): Promise<{ id: string; key: string }> {
  const r = await t.http('POST', '/api-keys', {
    name: `key of ${owner}`,
    owner,
    scopes,
    expires_at: '2099-01-01T00:00:00Z',
  });
  if (r.status !== 201) throw new Error(`POST /api-keys: ${r.status} ${r.text}`);
  return { id: r.json.api_key_id as string, key: r.json.key as string };
}

/** Parses JSON with every integer as a bigint, for exact assertions on amounts. */
export function parseBig(text: string): any {
  return losslessParse(text, null, (s: string) => (/^-?\d+$/.test(s) ? BigInt(s) : Number(s)));
}

/** Removes every Redis key of one test server's prefix. */
export async function deleteKeys(dsn: string, prefix: string): Promise<void> {
  const { url, options } = redisOptions(dsn);
  const redis = url ? new IORedis(url, options) : new IORedis(options);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
