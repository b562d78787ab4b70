import { types } from 'pg';
import { DataSource } from 'typeorm';
import { parseJson, STORED_JSON } from '@libs/core/json';
import { MIGRATIONS } from '../../migrations';
import { pgSessionConfig, SCHEMA } from './schema';

// JSONB comes back through the lossless parser so big integers inside meta_data survive.
types.setTypeParser(3802, (text: string) => parseJson(text, STORED_JSON));
types.setTypeParser(114, (text: string) => parseJson(text, STORED_JSON));

export interface DataSourceSettings {
  dsn: string;
  poolSize: number;
}

/**
 * Every connection resolves Neraca's unqualified table names in schema `blnk` (see schema.ts);
 * TypeORM's own migration table is `blnk.neraca_migrations`, which `migrateUp` prepares.
 */
export function createDataSource(settings: DataSourceSettings): DataSource {
  const session = pgSessionConfig(settings.dsn);
  return new DataSource({
    type: 'postgres',
    url: session.connectionString,
    schema: SCHEMA,
    migrations: MIGRATIONS,
    migrationsTableName: 'neraca_migrations',
    migrationsTransactionMode: 'each',
    logging: false,
    extra: { max: settings.poolSize, connectionTimeoutMillis: 10000, options: session.options },
  });
}
