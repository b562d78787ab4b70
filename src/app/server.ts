import { resolve } from 'node:path';
import { LogLevel } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@libs/persistence/data-source';
import { EmbeddedPostgres, startEmbeddedPostgres } from '@libs/persistence/embedded-postgres';
import { migrateUp } from '@libs/persistence/migrate';
import { AuthSettings } from '../modules/auth/auth-settings';
import { NeracaConfig } from './config/neraca-config';
import { createHttpApp } from './http-app';
import { MasterKey, resolveMasterKey } from './master-key';

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
  const dataSource = createDataSource({ dsn, poolSize });
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

export interface RunningServer {
  app: NestFastifyApplication;
  url: string;
  masterKey: MasterKey;
  auth: AuthSettings;
  close(): Promise<void>;
}

/** `neraca start`: database, migrations, HTTP API. */
export async function startServer(
  config: NeracaConfig,
  logLevels?: LogLevel[] | false,
): Promise<RunningServer> {
  const db = await openDatabase(config);
  try {
    await migrateUp(db.dataSource);
    const masterKey = resolveMasterKey(
      config.get<string>('server.secret_key'),
      resolve(config.get<string>('data_dir')),
    );
    const auth = new AuthSettings(config.get<boolean>('server.secure'), masterKey.key);
    const app = await createHttpApp({
      dataSource: db.dataSource,
      auth,
      bodyLimitMb: config.get<number>('server.max_request_body_size_mb'),
      logLevels,
    });
    await app.listen(config.get<number>('server.port'), config.get<string>('server.host'));
    if (auth.secure) masterKey.persist();
    const address = app.getHttpServer().address();
    const port =
      typeof address === 'object' && address ? address.port : config.get<number>('server.port');
    return {
      app,
      url: `http://127.0.0.1:${port}`,
      masterKey,
      auth,
      async close() {
        await app.close();
        await db.close();
      },
    };
  } catch (e) {
    await db.close();
    throw e;
  }
}
