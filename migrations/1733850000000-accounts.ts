import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts (reference §2.7, §11.1): Blnk's legacy "bank account" wrapper around a balance.
 *
 * * Ledger, currency and identity are copied from the balance when the account is created (as
 *   Blnk does), and every link is a foreign key: an identity an account names cannot be deleted
 *   (409), nor can a balance or ledger.
 * * `number` is unique, as in Blnk; Neraca never stores an empty one (a missing number is
 *   generated), so the unique index cannot turn "no number" into a conflict.
 */
export class Accounts1733850000000 implements MigrationInterface {
  name = 'Accounts1733850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE accounts (
        id BIGSERIAL PRIMARY KEY,
        account_id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        number TEXT NOT NULL UNIQUE CHECK (number <> ''),
        bank_name TEXT NOT NULL,
        currency TEXT NOT NULL,
        ledger_id TEXT NOT NULL REFERENCES ledgers (ledger_id),
        identity_id TEXT NOT NULL REFERENCES identity (identity_id),
        balance_id TEXT NOT NULL REFERENCES balances (balance_id),
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        meta_data JSONB
      )`);
    await q.query(`CREATE INDEX accounts_created_at_idx ON accounts (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX accounts_balance_id_idx ON accounts (balance_id)`);
    await q.query(`CREATE INDEX accounts_identity_id_idx ON accounts (identity_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE accounts`);
  }
}
