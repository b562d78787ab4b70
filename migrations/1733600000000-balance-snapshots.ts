import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Balance snapshots and historical balances (issue 14).
 *
 * A snapshot of a balance at `snapshot_time` T holds Σ of its APPLIED rows whose
 * `COALESCE(effective_date, created_at)` is at or before T, and keeps holding exactly that:
 * a row appended later with an effective date at or before T (a back-dated transfer, a queued
 * outcome whose effective date is its acceptance, a writer whose clock lagged the snapshot's) is
 * added to every snapshot of its balances at or after that date by the statement trigger below,
 * in the writer's own database transaction. So `GET /balances/:id/at` may start from any snapshot
 * and only add the rows in (snapshot_time, timestamp], and the answer is the replay of the rows.
 *
 * The snapshot job reads each balance under `FOR SHARE` (which waits for a writer holding the
 * row and makes later writers wait for the snapshot to commit), so no row can slip between the
 * balance it copies and the trigger that would have corrected it.
 *
 * `(balance_id, snapshot_day)` is unique: one snapshot per balance per UTC day, whoever runs it.
 */
export class BalanceSnapshots1733600000000 implements MigrationInterface {
  name = 'BalanceSnapshots1733600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE balance_snapshots (
        id BIGSERIAL PRIMARY KEY,
        balance_id TEXT NOT NULL REFERENCES balances (balance_id),
        ledger_id TEXT NOT NULL REFERENCES ledgers (ledger_id),
        currency TEXT NOT NULL,
        balance NUMERIC NOT NULL,
        credit_balance NUMERIC NOT NULL,
        debit_balance NUMERIC NOT NULL,
        snapshot_time TIMESTAMPTZ NOT NULL,
        snapshot_day DATE NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        CONSTRAINT balance_snapshots_day_key UNIQUE (balance_id, snapshot_day),
        CONSTRAINT balance_snapshots_derived_fields CHECK (
          balance = credit_balance - debit_balance AND credit_balance >= 0 AND debit_balance >= 0),
        CONSTRAINT balance_snapshots_day_of_time CHECK (
          snapshot_day = (snapshot_time AT TIME ZONE 'UTC')::date)
      )`);
    await q.query(
      `CREATE INDEX balance_snapshots_balance_time_idx ON balance_snapshots (balance_id, snapshot_time DESC)`,
    );
    await q.query(
      `CREATE INDEX balance_snapshots_time_idx ON balance_snapshots (snapshot_time DESC)`,
    );
    await q.query(
      `CREATE INDEX balance_snapshots_ledger_time_idx ON balance_snapshots (ledger_id, snapshot_time)`,
    );

    // The range scans of a historical balance: one balance's applied rows by effective time,
    // with the amount in the index so a visible page needs no heap visit.
    await q.query(`
      CREATE INDEX transactions_applied_source_at_idx
        ON transactions (source, (COALESCE(effective_date, created_at))) INCLUDE (precise_amount)
        WHERE status = 'APPLIED'`);
    await q.query(`
      CREATE INDEX transactions_applied_destination_at_idx
        ON transactions (destination, (COALESCE(effective_date, created_at))) INCLUDE (precise_amount)
        WHERE status = 'APPLIED'`);

    // Rows appended with an effective time at or before an existing snapshot correct it. The
    // first probe (the newest snapshot against the oldest new applied row) is all an ordinary
    // statement pays: its rows are newer than every snapshot.
    await q.query(`
      CREATE FUNCTION balance_snapshots_follow() RETURNS trigger LANGUAGE plpgsql SET search_path = blnk AS $$
      BEGIN
        IF NOT EXISTS (
          SELECT 1 FROM balance_snapshots
           WHERE snapshot_time >= (SELECT min(COALESCE(effective_date, created_at))
                                     FROM new_rows WHERE status = 'APPLIED')) THEN
          RETURN NULL;
        END IF;
        WITH moves AS (
          SELECT destination AS balance_id, COALESCE(effective_date, created_at) AS at,
                 precise_amount AS credit, 0::numeric AS debit
            FROM new_rows WHERE status = 'APPLIED' AND destination IS NOT NULL
          UNION ALL
          SELECT source, COALESCE(effective_date, created_at), 0::numeric, precise_amount
            FROM new_rows WHERE status = 'APPLIED' AND source IS NOT NULL
        ), deltas AS (
          SELECT s.id, sum(m.credit) AS credit, sum(m.debit) AS debit
            FROM moves m
            JOIN balance_snapshots s ON s.balance_id = m.balance_id AND s.snapshot_time >= m.at
           GROUP BY s.id
        )
        UPDATE balance_snapshots s
           SET credit_balance = s.credit_balance + d.credit,
               debit_balance = s.debit_balance + d.debit,
               balance = (s.credit_balance + d.credit) - (s.debit_balance + d.debit)
          FROM deltas d WHERE s.id = d.id;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER balance_snapshots_follow AFTER INSERT ON transactions
      REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION balance_snapshots_follow()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER balance_snapshots_follow ON transactions`);
    await q.query(`DROP FUNCTION balance_snapshots_follow()`);
    await q.query(`DROP INDEX transactions_applied_destination_at_idx`);
    await q.query(`DROP INDEX transactions_applied_source_at_idx`);
    await q.query(`DROP TABLE balance_snapshots`);
  }
}
