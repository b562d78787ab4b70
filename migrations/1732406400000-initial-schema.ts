import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ledgers, balances and the append-only transaction log (reference §11.1, minus Blnk's unused
 * columns). Amounts are NUMERIC (minor units, any size); rows of `transactions` are immutable
 * except meta_data, enforced by a trigger so no code path can rewrite history.
 */
export class InitialSchema1732406400000 implements MigrationInterface {
  name = 'InitialSchema1732406400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledgers (
        id BIGSERIAL PRIMARY KEY,
        ledger_id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        meta_data JSONB
      )`);
    await q.query(`CREATE INDEX ledgers_created_at_idx ON ledgers (created_at DESC, id DESC)`);
    await q.query(
      `INSERT INTO ledgers (ledger_id, name, meta_data) VALUES ('general_ledger_id', 'General Ledger', '{}')`,
    );

    await q.query(`
      CREATE TABLE identity (
        id BIGSERIAL PRIMARY KEY,
        identity_id TEXT NOT NULL UNIQUE,
        identity_type TEXT NOT NULL DEFAULT '',
        first_name TEXT NOT NULL DEFAULT '',
        last_name TEXT NOT NULL DEFAULT '',
        other_names TEXT NOT NULL DEFAULT '',
        gender TEXT NOT NULL DEFAULT '',
        dob DATE,
        email_address TEXT NOT NULL DEFAULT '',
        phone_number TEXT NOT NULL DEFAULT '',
        nationality TEXT NOT NULL DEFAULT '',
        organization_name TEXT NOT NULL DEFAULT '',
        category TEXT NOT NULL DEFAULT '',
        street TEXT NOT NULL DEFAULT '',
        country TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL DEFAULT '',
        post_code TEXT NOT NULL DEFAULT '',
        city TEXT NOT NULL DEFAULT '',
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        meta_data JSONB
      )`);

    await q.query(`
      CREATE TABLE balances (
        id BIGSERIAL PRIMARY KEY,
        balance_id TEXT NOT NULL UNIQUE,
        ledger_id TEXT NOT NULL REFERENCES ledgers (ledger_id),
        identity_id TEXT REFERENCES identity (identity_id),
        indicator TEXT,
        currency TEXT NOT NULL,
        balance NUMERIC NOT NULL DEFAULT 0,
        credit_balance NUMERIC NOT NULL DEFAULT 0,
        debit_balance NUMERIC NOT NULL DEFAULT 0,
        inflight_balance NUMERIC NOT NULL DEFAULT 0,
        inflight_credit_balance NUMERIC NOT NULL DEFAULT 0,
        inflight_debit_balance NUMERIC NOT NULL DEFAULT 0,
        version BIGINT NOT NULL DEFAULT 0,
        track_fund_lineage BOOLEAN NOT NULL DEFAULT false,
        allocation_strategy TEXT NOT NULL DEFAULT 'FIFO',
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        meta_data JSONB,
        CONSTRAINT balances_indicator_currency_key UNIQUE (indicator, currency),
        CONSTRAINT balances_derived_fields CHECK (
          balance = credit_balance - debit_balance
          AND inflight_balance = inflight_credit_balance - inflight_debit_balance
          AND credit_balance >= 0 AND debit_balance >= 0
          AND inflight_credit_balance >= 0 AND inflight_debit_balance >= 0)
      )`);
    await q.query(`CREATE INDEX balances_created_at_idx ON balances (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX balances_ledger_id_idx ON balances (ledger_id)`);
    await q.query(`CREATE INDEX balances_identity_id_idx ON balances (identity_id)`);

    await q.query(`
      CREATE TABLE transactions (
        id BIGSERIAL PRIMARY KEY,
        transaction_id TEXT NOT NULL UNIQUE,
        parent_transaction TEXT NOT NULL DEFAULT '',
        source TEXT REFERENCES balances (balance_id),
        destination TEXT REFERENCES balances (balance_id),
        reference TEXT NOT NULL,
        amount NUMERIC NOT NULL,
        precise_amount NUMERIC NOT NULL,
        precision NUMERIC NOT NULL DEFAULT 1,
        currency TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        hash TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        effective_date TIMESTAMPTZ,
        scheduled_for TIMESTAMPTZ,
        meta_data JSONB,
        CONSTRAINT transactions_reference_key UNIQUE (reference),
        CONSTRAINT transactions_amount_non_negative CHECK (precise_amount >= 0)
      )`);
    await q.query(
      `CREATE INDEX transactions_created_at_idx ON transactions (created_at DESC, id DESC)`,
    );
    await q.query(`CREATE INDEX transactions_parent_idx ON transactions (parent_transaction)`);
    await q.query(`CREATE INDEX transactions_source_idx ON transactions (source)`);
    await q.query(`CREATE INDEX transactions_destination_idx ON transactions (destination)`);
    await q.query(`CREATE INDEX transactions_status_idx ON transactions (status)`);

    await q.query(`
      CREATE FUNCTION transactions_immutable() RETURNS trigger AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'transactions are append-only: rows cannot be deleted';
        END IF;
        IF (NEW.transaction_id, NEW.parent_transaction, NEW.source, NEW.destination, NEW.reference,
            NEW.amount, NEW.precise_amount, NEW.precision, NEW.currency, NEW.description, NEW.status,
            NEW.hash, NEW.created_at, NEW.effective_date, NEW.scheduled_for)
           IS DISTINCT FROM
           (OLD.transaction_id, OLD.parent_transaction, OLD.source, OLD.destination, OLD.reference,
            OLD.amount, OLD.precise_amount, OLD.precision, OLD.currency, OLD.description, OLD.status,
            OLD.hash, OLD.created_at, OLD.effective_date, OLD.scheduled_for) THEN
          RAISE EXCEPTION 'Cannot modify transaction data. Only meta_data can be updated.';
        END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await q.query(`
      CREATE TRIGGER transactions_immutable BEFORE UPDATE OR DELETE ON transactions
      FOR EACH ROW EXECUTE FUNCTION transactions_immutable()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE transactions`);
    await q.query(`DROP FUNCTION transactions_immutable()`);
    await q.query(`DROP TABLE balances`);
    await q.query(`DROP TABLE identity`);
    await q.query(`DROP TABLE ledgers`);
  }
}
