import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import { DataSource } from 'typeorm';
import { createDataSource } from '@libs/persistence/data-source';
import { startEmbeddedPostgres } from '@libs/persistence/embedded-postgres';
import { migrateUp } from '@libs/persistence/migrate';

export interface TestDatabase {
  /** DSN of a fresh, migrated database that belongs to this test file alone. */
  dsn: string;
  /** Pool size that is safe for this backend (1 for PGlite). */
  poolSize: number;
  kind: 'postgres' | 'pglite';
  /** The in-process PGlite of a 'pglite' database (backups dump it directly). */
  pglite?: PGlite;
  drop(): Promise<void>;
}

/**
 * A private database for one test file: with BLNK_DATA_SOURCE_DNS set, a new database on that
 * server (created here, dropped in drop()); otherwise an in-memory PGlite behind its socket.
 * `migrate: false` leaves it empty (for tests of the migrations themselves).
 */
export async function createTestDatabase(
  kind?: 'postgres' | 'pglite',
  opts: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const server = kind === 'pglite' ? undefined : process.env.BLNK_DATA_SOURCE_DNS;
  if (kind === 'postgres' && !server) throw new Error('BLNK_DATA_SOURCE_DNS is not set');
  let db: TestDatabase;
  if (server) {
    const name = `neraca_test_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: server });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(server);
    url.pathname = `/${name}`;
    db = {
      dsn: url.toString(),
      poolSize: 10,
      kind: 'postgres',
      async drop() {
        const c = new Client({ connectionString: server });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  } else {
    const pg = await startEmbeddedPostgres();
    db = { dsn: pg.dsn, poolSize: 1, kind: 'pglite', pglite: pg.pglite, drop: () => pg.stop() };
  }
  if (opts.migrate === false) return db;
  const ds = createDataSource({ dsn: db.dsn, poolSize: 1, exclusive: db.kind === 'pglite' });
  await ds.initialize();
  await migrateUp(ds); // as `neraca start` does: it prepares schema blnk first
  await ds.destroy();
  return db;
}

/** An initialised DataSource on a test database (caller destroys it). */
export async function openDataSource(db: TestDatabase): Promise<DataSource> {
  const ds = createDataSource({
    dsn: db.dsn,
    poolSize: db.poolSize,
    exclusive: db.kind === 'pglite',
  });
  await ds.initialize();
  return ds;
}

/** Backends the adapter suites run on: PGlite always, PostgreSQL too when one is configured. */
export const BACKENDS: ('pglite' | 'postgres')[] = process.env.BLNK_DATA_SOURCE_DNS
  ? ['pglite', 'postgres']
  : ['pglite'];
