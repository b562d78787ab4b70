import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { isExclusive } from './data-source';
import { BlnkSchema1732924800000 } from '../../migrations/1732924800000-blnk-schema';

// Any fixed number: processes starting together take turns instead of racing the same DDL.
const MIGRATION_LOCK = 7_342_001;

/** Applies pending migrations under a PostgreSQL advisory lock. Returns their names. */
export async function migrateUp(ds: DataSource): Promise<string[]> {
  return underMigrationLock(ds, async () => {
    await prepareMigrationTable(ds);
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  });
}

/** Reverts the most recent migration. */
export async function migrateDown(ds: DataSource): Promise<void> {
  await underMigrationLock(ds, async () => {
    await prepareMigrationTable(ds);
    await ds.undoLastMigration({ transaction: 'each' });
    await restoreEarlierLayout(ds);
  });
}

/**
 * The lock is a session lock, so it is taken and released on one connection held for the whole
 * run, a client of its own outside the pool: through the pool, the unlock could land on another
 * connection and do nothing (leaving the lock held for as long as that connection lives), and a
 * pool of one connection would have none left for the migrations.
 */
async function underMigrationLock<T>(ds: DataSource, work: () => Promise<T>): Promise<T> {
  // Embedded PGlite: no other process can reach the database, and its socket serves one client.
  if (isExclusive(ds)) return work();
  const options = ds.options as { url?: string; extra?: { options?: string } };
  const lock = new Client({ connectionString: options.url, options: options.extra?.options });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      return await work();
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await lock.end();
  }
}

/**
 * TypeORM reads `blnk.neraca_migrations` before it runs anything, so the schema must exist and a
 * database of an earlier release (table in `public`) must have its table moved first. With the
 * schema in place, every migration creates its objects in `blnk` (first on the search_path).
 */
async function prepareMigrationTable(ds: DataSource): Promise<void> {
  // The schema is checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the
  // database even when the schema exists (made by a DBA, say).
  await ds.query(`
    DO $$ BEGIN
      IF to_regnamespace('blnk') IS NULL THEN CREATE SCHEMA blnk; END IF;
      IF to_regclass('public.neraca_migrations') IS NOT NULL
         AND to_regclass('blnk.neraca_migrations') IS NULL THEN
        ALTER TABLE public.neraca_migrations SET SCHEMA blnk;
      END IF;
    END $$`);
}

/**
 * Once the schema migration is reverted, the database is put back as the earlier release left
 * it: migration table in `public`, and no `blnk` unless something else lives there or the schema
 * belongs to another role (a DBA made it).
 */
async function restoreEarlierLayout(ds: DataSource): Promise<void> {
  const [{ applied }] = await ds.query(
    `SELECT EXISTS (SELECT 1 FROM blnk.neraca_migrations WHERE name = $1) AS applied`,
    [new BlnkSchema1732924800000().name],
  );
  if (applied) return;
  await ds.query(`
    DO $$ BEGIN
      ALTER TABLE blnk.neraca_migrations SET SCHEMA public;
      BEGIN
        DROP SCHEMA blnk;
      EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN
        RAISE NOTICE 'schema blnk stays: %', SQLERRM;
      END;
    END $$`);
}
