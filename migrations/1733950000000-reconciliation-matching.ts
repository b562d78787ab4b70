import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * one_to_one's candidate search bounds two dimensions at once (reference §8.3: an amount window
 * and a date window within the currency). A btree on (currency, created_at) bounds only the
 * date: at 1M transactions over a year a one-day window is ~5,500 entries, each fetched from the
 * heap to test the amount. Here the date is bucketed by UTC day ahead of the amount, so a window
 * is a few (currency, day, amount range) scans, one per day it touches (`= ANY(days)`), with
 * created_at a key column so out-of-window entries are refused in the index. Plain btree, no
 * extension: the same on PostgreSQL and PGlite.
 *
 * It replaces `transactions_reconciliation_idx` (…800), so a transfer still writes one
 * reconciliation index entry; the entry is a 4-byte date wider.
 *
 * `reconciliation_staging` holds an upload's rows while it streams in, a short statement per
 * batch (the temporary table it replaces lived in one transaction held for the whole upload,
 * which in embedded mode held PGlite's only connection): no statement until `finish` moves them.
 */
export class ReconciliationMatching1733950000000 implements MigrationInterface {
  name = 'ReconciliationMatching1733950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX transactions_reconciliation_day_idx ON transactions
         (currency, ((created_at AT TIME ZONE 'UTC')::date), amount, created_at)`,
    );
    await q.query(`DROP INDEX transactions_reconciliation_idx`);
    await q.query(`
      CREATE TABLE reconciliation_staging (
        staging_id TEXT NOT NULL,
        row_no INT NOT NULL,
        external_id TEXT NOT NULL,
        amount NUMERIC NOT NULL,
        currency TEXT NOT NULL,
        reference TEXT NOT NULL,
        description TEXT NOT NULL,
        date TIMESTAMPTZ NOT NULL,
        staged_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX reconciliation_staging_idx ON reconciliation_staging (staging_id, row_no)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reconciliation_staging`);
    await q.query(
      `CREATE INDEX transactions_reconciliation_idx ON transactions (currency, created_at) INCLUDE (amount)`,
    );
    await q.query(`DROP INDEX transactions_reconciliation_day_idx`);
  }
}
