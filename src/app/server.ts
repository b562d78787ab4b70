import { resolve } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@libs/persistence/data-source';
import { EmbeddedPostgres, startEmbeddedPostgres } from '@libs/persistence/embedded-postgres';
import { migrateUp } from '@libs/persistence/migrate';
import { AuthSettings, RateLimitSettings } from '../modules/auth/auth-settings';
import { limitsFrom } from '../modules/auth/domain/token-bucket';
import { SlackSettings } from '../modules/notification/application/slack-settings';
import { IdempotencySettings } from '../modules/idempotency/application/idempotency-settings';
import { SearchSettings } from '../modules/search/application/search-settings';
import { ReconciliationSettings } from '../modules/reconciliation/application/reconciliation-settings';
import { NeracaConfig } from './config/neraca-config';
import { backupSettingsFrom } from './config/backup-settings';
import { createHttpApp } from './http-app';
import { MasterKey, resolveMasterKey, workerSigningKey } from './master-key';
import { resolveTokenizationKeys, TokenizationKeys } from './tokenization-keys';
import {
  chainSettingsFrom,
  closeLanes,
  laneTransportFrom,
  queueSettingsFrom,
  startBackgroundWork,
  webhookSettingsFrom,
} from './background';
import { snapshotScheduleFrom } from './config/snapshot-schedule';
import { LaneTransport } from '../modules/transaction/lane-queue.module';
import { QueuedWorkPgRepository } from '../modules/transaction/infrastructure/postgres/queued-work.pg-repository';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from './app.module';
import { AppLogger, appLoggerFrom } from './logging/app-logger';

export interface Database {
  dataSource: DataSource;
  embedded?: EmbeddedPostgres;
  close(): Promise<void>;
}

/**
 * Opens the configured database: PostgreSQL from data_source.dns, or (embedded mode) PGlite in
 * `<data_dir>/pgdata` behind its socket with a one-connection pool.
 */
export async function openDatabase(config: NeracaConfig): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let dsn = config.get<string>('data_source.dns');
  let poolSize = config.get<number>('data_source.max_open_conns');
  if (config.embedded) {
    embedded = await startEmbeddedPostgres(resolve(config.get<string>('data_dir'), 'pgdata'));
    dsn = embedded.dsn;
    poolSize = 1;
  }
  const dataSource = createDataSource({
    dsn,
    poolSize,
    exclusive: !!embedded,
    preparedStatements: config.get<boolean>('data_source.prepared_statements'),
  });
  try {
    await dataSource.initialize();
  } catch (e) {
    await embedded?.stop();
    throw e;
  }
  return {
    dataSource,
    embedded,
    async close() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
    },
  };
}

/** `rate_limit.*` (reference §10.2): buckets in Redis when there is one, so API processes share them. */
export function rateLimitSettingsFrom(config: NeracaConfig): RateLimitSettings {
  return new RateLimitSettings(
    limitsFrom(
      config.get<number | undefined>('rate_limit.requests_per_second'),
      config.get<number | undefined>('rate_limit.burst'),
    ),
    config.get<string>('redis.dns'),
    config.get<string>('rate_limit.redis_prefix'),
    config.get<number>('rate_limit.cleanup_interval_sec') * 1000,
  );
}

/** `notification.slack.*`: internal errors posted to Slack (docs/operations.md). */
export function slackSettingsFrom(config: NeracaConfig): SlackSettings {
  return new SlackSettings(
    config.get<string>('notification.slack.webhook_url'),
    config.get<number>('notification.slack.timeout'),
    config.get<number>('notification.slack.rate_limit_window'),
  );
}

/** `typesense.dns` and `type_sense_key` (reference §10): Typesense, or search on PostgreSQL. */
export function searchSettingsFrom(config: NeracaConfig): SearchSettings {
  return new SearchSettings(
    config.get<string>('typesense.dns'),
    config.get<string>('type_sense_key'),
  );
}

/** `idempotency.retention`: how long an Idempotency-Key and its answer are kept. */
export function idempotencySettingsFrom(config: NeracaConfig): IdempotencySettings {
  return new IdempotencySettings(config.get<number>('idempotency.retention'));
}

/** server.max_upload_size_mb, upload_whitelist, upload_url_timeout_sec, reconciliation.*. */
export function reconciliationSettingsFrom(config: NeracaConfig): ReconciliationSettings {
  return new ReconciliationSettings(
    config.get<number>('server.max_upload_size_mb'),
    config.get<string[]>('server.upload_whitelist'),
    config.get<number>('server.upload_url_timeout_sec') * 1000,
    Math.min(config.get<number>('reconciliation.progress_interval'), 10_000),
    undefined,
    undefined,
    config.get<number>('reconciliation.max_retries'),
    config.get<number>('reconciliation.search_connections'),
  );
}

export interface RunningServer {
  app: NestFastifyApplication;
  /** Whether this process also applies queued work (no Redis: signals stay in-process). */
  inProcessWorkers: boolean;
  url: string;
  masterKey: MasterKey;
  tokenization: TokenizationKeys;
  auth: AuthSettings;
  close(): Promise<void>;
}

/** `neraca start`: database, migrations, HTTP API; `false` = no logs at all (`neraca openapi`). */
export async function startServer(
  config: NeracaConfig,
  logger: AppLogger | false = appLoggerFrom(config),
): Promise<RunningServer> {
  const snapshots = snapshotScheduleFrom(config); // a bad time of day stops the start here
  const db = await openDatabase(config);
  let opened: { app?: NestFastifyApplication; lanes?: LaneTransport; stop?: () => Promise<void> } =
    {};
  try {
    await migrateUp(db.dataSource);
    const masterKey = resolveMasterKey(
      config.get<string>('server.secret_key'),
      resolve(config.get<string>('data_dir')),
    );
    const auth = new AuthSettings(
      config.get<boolean>('server.secure'),
      masterKey.key,
      rateLimitSettingsFrom(config),
      config.get<string>('server.metrics_bearer_token'),
    );
    const tokenization = resolveTokenizationKeys(config, resolve(config.get<string>('data_dir')));
    await claimLaneCount(db.dataSource, config);
    // An API process only signals lanes when there is Redis: `neraca workers` drains them.
    const lanes = laneTransportFrom(config, false);
    opened = { lanes };
    const app = await createHttpApp({
      dataSource: db.dataSource,
      tokenKeys: tokenization.keys,
      auth,
      slack: slackSettingsFrom(config),
      lanes,
      queueSettings: queueSettingsFrom(config),
      chain: chainSettingsFrom(config),
      snapshots,
      webhooks: webhookSettingsFrom(config, auth.secure ? masterKey.key : ''),
      idempotency: idempotencySettingsFrom(config),
      search: searchSettingsFrom(config),
      reconciliation: reconciliationSettingsFrom(config),
      backups: { settings: backupSettingsFrom(config), embedded: db.embedded?.pglite },
      bodyLimitMb: config.get<number>('server.max_request_body_size_mb'),
      allowedOrigins: config.get<string[]>('server.allowed_origins'),
      ...(logger ? { logger } : { logLevels: false }),
    });
    opened.app = app;
    const inProcessWorkers = 'inProcess' in lanes;
    const stopBackground = inProcessWorkers
      ? await startBackgroundWork(app)
      : async () => undefined;
    opened.stop = stopBackground;
    await app.listen(config.get<number>('server.port'), config.bindAddress);
    if (auth.secure) masterKey.persist();
    const address = app.getHttpServer().address();
    const port =
      typeof address === 'object' && address ? address.port : config.get<number>('server.port');
    return {
      app,
      inProcessWorkers,
      url: `http://127.0.0.1:${port}`,
      masterKey,
      tokenization,
      auth,
      async close() {
        await stopBackground();
        await app.close();
        await closeLanes(lanes);
        await db.close();
      },
    };
  } catch (e) {
    // A failed start (a port in use, say) closes everything it had opened, in reverse order.
    await opened.stop?.().catch(() => undefined);
    await opened.app?.close().catch(() => undefined);
    if (opened.lanes) await closeLanes(opened.lanes).catch(() => undefined);
    await db.close();
    throw e;
  }
}

/**
 * API processes route queued work to lanes and workers drain them: both must count the same
 * lanes as the work already waiting, or some of it would never be applied.
 */
async function claimLaneCount(dataSource: DataSource, config: NeracaConfig): Promise<void> {
  await new QueuedWorkPgRepository(dataSource).claimLaneCount(
    config.get<number>('queue.number_of_queues'),
  );
}

export interface RunningWorkers {
  /** The workers' application context (its metrics registry, for the metrics listener). */
  app: INestApplicationContext;
  close(): Promise<void>;
}

/** The webhook signing key of `neraca workers`; warns when secure mode found none. */
function signingKeyOfWorkers(config: NeracaConfig): string {
  const signing = workerSigningKey(
    config.get<boolean>('server.secure'),
    config.get<string>('server.secret_key'),
    resolve(config.get<string>('data_dir')),
  );
  if (signing.missing) {
    process.stderr.write(
      'warning: neraca workers knows no master key (server.secret_key is unset and the data ' +
        'directory keeps none), so the webhooks it delivers are unsigned: give the workers the ' +
        "API processes' BLNK_SERVER_SECRET_KEY\n",
    );
  }
  return signing.key;
}

/** `neraca workers`: applies queued work from Redis signals; as many processes as needed. */
export async function startWorkers(
  config: NeracaConfig,
  logger: AppLogger | false = appLoggerFrom(config),
): Promise<RunningWorkers> {
  const snapshots = snapshotScheduleFrom(config);
  if (!config.get<string>('redis.dns')) {
    throw new Error(
      'neraca workers needs redis.dns (BLNK_REDIS_DNS); without Redis, neraca start applies queued work itself',
    );
  }
  if (config.embedded) {
    throw new Error(
      'neraca workers needs data_source.dns (BLNK_DATA_SOURCE_DNS): embedded mode runs its workers inside neraca start',
    );
  }
  const db = await openDatabase(config);
  const lanes = laneTransportFrom(config, true);
  let app: INestApplicationContext | undefined;
  try {
    await migrateUp(db.dataSource);
    await claimLaneCount(db.dataSource, config);
    app = await NestFactory.createApplicationContext(
      WorkerModule.forRoot({
        dataSource: db.dataSource,
        slack: slackSettingsFrom(config),
        lanes,
        queueSettings: queueSettingsFrom(config),
        chain: chainSettingsFrom(config),
        snapshots,
        // Signed with the API processes' master key ('' = unsigned, as Blnk with secure off).
        webhooks: webhookSettingsFrom(config, signingKeyOfWorkers(config)),
        idempotency: idempotencySettingsFrom(config),
        search: searchSettingsFrom(config),
        reconciliation: reconciliationSettingsFrom(config),
      }),
      { logger: logger ? logger.nest : false },
    );
    const stop = await startBackgroundWork(app);
    const started = app;
    return {
      app,
      async close() {
        await stop();
        await started.close();
        await closeLanes(lanes);
        await db.close();
      },
    };
  } catch (e) {
    // A failed start closes everything it had opened, in reverse order.
    await app?.close().catch(() => undefined);
    await closeLanes(lanes).catch(() => undefined);
    await db.close();
    throw e;
  }
}
