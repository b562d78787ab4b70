import { join } from 'node:path';
import { createDataSource } from '@libs/persistence/data-source';
import { startEmbeddedPostgres } from '@libs/persistence/embedded-postgres';
import { migrateUp } from '@libs/persistence/migrate';

/**
 * Migrates embedded mode's database in data directory `dir` and runs `statements` on it, then
 * stops it, so a CLI command run with `-d dir` finds the rows. Two balances exist: bln_a, bln_b.
 */
export async function seedEmbedded(dir: string, statements: string[]): Promise<void> {
  const pg = await startEmbeddedPostgres(join(dir, 'pgdata'));
  const ds = createDataSource({ dsn: pg.dsn, poolSize: 1, exclusive: true });
  await ds.initialize();
  await migrateUp(ds);
  await ds.query(
    `INSERT INTO balances (balance_id, ledger_id, currency)
     VALUES ('bln_a','general_ledger_id','USD'),('bln_b','general_ledger_id','USD')`,
  );
  for (const s of statements) await ds.query(s);
  await ds.destroy();
  await pg.stop();
}
