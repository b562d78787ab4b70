import type { DataSource } from 'typeorm';

// Any fixed number: processes starting together take turns instead of racing the same DDL.
const MIGRATION_LOCK = 7_342_001;

/** Applies pending migrations under a PostgreSQL advisory lock. Returns their names. */
export async function migrateUp(ds: DataSource): Promise<string[]> {
  await ds.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}

/** Reverts the most recent migration. */
export async function migrateDown(ds: DataSource): Promise<void> {
  await ds.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await ds.undoLastMigration({ transaction: 'each' });
  } finally {
    await ds.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}
