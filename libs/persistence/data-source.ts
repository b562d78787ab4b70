import { types } from 'pg';
import { DataSource } from 'typeorm';
import { parseJson, STORED_JSON } from '@libs/core/json';
import { MIGRATIONS } from '../../migrations';
import { preparingClient, StatementNames } from './prepared-statements';
import { pgSessionConfig, SCHEMA } from './schema';

// JSONB comes back through the lossless parser so big integers inside meta_data survive.
types.setTypeParser(3802, (text: string) => parseJson(text, STORED_JSON));
types.setTypeParser(114, (text: string) => parseJson(text, STORED_JSON));

export interface DataSourceSettings {
  dsn: string;
  poolSize: number;
  /**
   * No other process can reach this database (embedded PGlite behind its own socket): the
   * migration lock is skipped. Never inferred from the pool size: a PostgreSQL deployment with
   * one connection per process still has other processes.
   */
  exclusive?: boolean;
  /**
   * Frequent parameterised statements go as named prepared statements (prepared-statements.ts),
   * each prepared again after its lifetime so no plan outlives the table sizes it was made for.
   * Default on; never in exclusive mode, where PGlite's socket serves every connection from one
   * backend session, so two connections' names would meet. Behind a pooler in transaction mode
   * (PgBouncer before 1.21), which hands a session's statements to other clients, the pool
   * stops naming at the first sign of it; `false` avoids even that one failed statement.
   */
  preparedStatements?: boolean;
}

const exclusiveSources = new WeakSet<DataSource>();

/** Whether `ds` was created `exclusive` (embedded mode). */
export function isExclusive(ds: DataSource): boolean {
  return exclusiveSources.has(ds);
}

/**
 * Every connection resolves Neraca's unqualified table names in schema `blnk` (see schema.ts);
 * TypeORM's own migration table is `blnk.neraca_migrations`, which `migrateUp` prepares.
 */
export function createDataSource(settings: DataSourceSettings): DataSource {
  const session = pgSessionConfig(settings.dsn);
  const prepared = (settings.preparedStatements ?? true) && !settings.exclusive;
  const ds = new DataSource({
    type: 'postgres',
    url: session.connectionString,
    schema: SCHEMA,
    migrations: MIGRATIONS,
    migrationsTableName: 'neraca_migrations',
    migrationsTransactionMode: 'each',
    logging: false,
    extra: {
      max: settings.poolSize,
      connectionTimeoutMillis: 10000,
      options: session.options,
      ...(prepared ? { Client: preparingClient(new StatementNames()) } : {}),
    },
  });
  if (settings.exclusive) exclusiveSources.add(ds);
  return ds;
}
