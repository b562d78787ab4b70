import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `balance_monitors` (reference §2.4, §11.1), in schema `blnk` like every Neraca table (the
 * session's search_path puts it there). Differences from Blnk's table, each for a reason:
 * `value`, `precision` and `precise_value` are NUMERIC, not BIGINT / FLOAT (a threshold of 10.5
 * or beyond 2^63 is stored exactly instead of failing at the database); the operator check admits
 * `==` beside `=`, both equality; description and callback are NOT NULL with '' (what Blnk
 * shows for none). The index serves the per-balance lookup of every evaluation.
 */
export class BalanceMonitors1733360000000 implements MigrationInterface {
  name = 'BalanceMonitors1733360000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE balance_monitors (
        id BIGSERIAL PRIMARY KEY,
        monitor_id TEXT NOT NULL UNIQUE,
        balance_id TEXT NOT NULL REFERENCES balances (balance_id),
        field TEXT NOT NULL CHECK (field IN ('debit_balance', 'credit_balance', 'balance',
          'inflight_debit_balance', 'inflight_credit_balance', 'inflight_balance')),
        operator TEXT NOT NULL CHECK (operator IN ('>', '<', '>=', '<=', '=', '==', '!=')),
        value NUMERIC NOT NULL,
        precision NUMERIC NOT NULL CHECK (precision > 0),
        precise_value NUMERIC NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        call_back_url TEXT NOT NULL DEFAULT '',
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX balance_monitors_balance_id_idx ON balance_monitors (balance_id, id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE balance_monitors`);
  }
}
