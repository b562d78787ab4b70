import type { DataSource } from 'typeorm';
import { createDataSource } from '@libs/persistence/data-source';
import { migrateUp } from '@libs/persistence/migrate';
import { createDatabase, dropDatabase } from './services';

/** `--name value` from the command line, else `fallback`. */
export function cliArg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/**
 * Runs `work` on a migrated scratch database (on `--pg`, else BLNK_DATA_SOURCE_DNS, else the local
 * server) holding two empty USD balances `bln_a` and `bln_b`; the database is dropped afterwards.
 */
export async function withScratchLedger(
  prefix: string,
  work: (ds: DataSource) => Promise<void>,
): Promise<void> {
  const server = new URL(
    cliArg('pg', process.env.BLNK_DATA_SOURCE_DNS ?? 'postgres://postgres@127.0.0.1:5432/postgres'),
  );
  const name = `${prefix}_${process.pid}`;
  const ds = createDataSource({
    dsn: (await createDatabase(server, name)).toString(),
    poolSize: 2,
  });
  await ds.initialize();
  try {
    await migrateUp(ds);
    await ds.query(
      `INSERT INTO balances (balance_id, ledger_id, currency)
       VALUES ('bln_a', 'general_ledger_id', 'USD'), ('bln_b', 'general_ledger_id', 'USD')`,
    );
    await work(ds);
  } finally {
    await ds.destroy();
    await dropDatabase(server, name);
  }
}
