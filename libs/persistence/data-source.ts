import { types } from 'pg';
import { DataSource } from 'typeorm';
import { parseJson } from '@libs/core/json';
import { MIGRATIONS } from '../../migrations';

// JSONB comes back through the lossless parser so big integers inside meta_data survive.
types.setTypeParser(3802, (text: string) => parseJson(text));
types.setTypeParser(114, (text: string) => parseJson(text));

export interface DataSourceSettings {
  dsn: string;
  poolSize: number;
}

export function createDataSource(settings: DataSourceSettings): DataSource {
  return new DataSource({
    type: 'postgres',
    url: settings.dsn,
    migrations: MIGRATIONS,
    migrationsTableName: 'neraca_migrations',
    migrationsTransactionMode: 'each',
    logging: false,
    extra: { max: settings.poolSize, connectionTimeoutMillis: 10000 },
  });
}
