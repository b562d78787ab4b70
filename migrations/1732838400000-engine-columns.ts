import { MigrationInterface, QueryRunner } from 'typeorm';

/** Keys the engine used to keep inside `meta_data`; they now live in columns. */
const ENGINE_KEYS = ['inflight', 'atomic', 'allow_overdraft', 'QUEUED_PARENT_TRANSACTION'];

/**
 * Engine state in typed columns (issue 10): everything that steers money, or links one row to
 * another, moves out of the client-writable `meta_data` into columns that only the engine writes
 * and the immutability trigger then freezes.
 *
 * * `allow_overdraft`, `overdraft_limit` (major units, as sent), `inflight`, `atomic`: the flags
 *   of the request a row belongs to. A worker applies a queued row with these, never with JSON.
 * * `queued_parent`: the id the client was given for a queued request (the row itself, a split
 *   parent, a bulk batch or the first refund row); set on its QUEUED rows and their outcomes.
 * * `outcome_of`: on a worker's outcome row, the QUEUED row it applies. Unique: a queued row has
 *   at most one outcome, whatever retries or races happen.
 * * `refund_of`: on a refund, the row it reverses. Unique among rows that are not outcomes: a row
 *   is refunded at most once, whatever references clients choose.
 * * `settles`: on a commit or void, the hold it settles.
 * * `batch_id`, `sequence`: bulk batch and 1-based position; `rejection_reason` on REJECTED rows.
 *
 * `reference_claims` closes the `X` / `X_q` race in the database: every row claims its reference,
 * and a QUEUED or SCHEDULED row also claims `<reference>_q`, the reference its outcome will take
 * (an outcome row claims nothing: its queued row claimed for it). The claims are written by a
 * statement trigger, so no insert path can skip them.
 *
 * `queued_work` gains the endpoints of each queued row and whether each is outside its home lane
 * (to apply a request after every earlier one that touches a balance it debits, whichever lane
 * that was in; existing pending work is treated as foreign everywhere, the safe side), `attempts` / `last_error`
 * (a failing item is retried a bounded number of times, then rejected), and `engine_settings`
 * records the lane count the pending work was routed with.
 */
export class EngineColumns1732838400000 implements MigrationInterface {
  name = 'EngineColumns1732838400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE transactions
        ADD COLUMN allow_overdraft BOOLEAN NOT NULL DEFAULT false,
        ADD COLUMN overdraft_limit NUMERIC NOT NULL DEFAULT 0,
        ADD COLUMN inflight BOOLEAN NOT NULL DEFAULT false,
        ADD COLUMN atomic BOOLEAN NOT NULL DEFAULT false,
        ADD COLUMN queued_parent TEXT,
        ADD COLUMN outcome_of TEXT,
        ADD COLUMN refund_of TEXT,
        ADD COLUMN settles TEXT,
        ADD COLUMN batch_id TEXT,
        ADD COLUMN sequence INTEGER,
        ADD COLUMN rejection_reason TEXT,
        ADD CONSTRAINT transactions_overdraft_limit_non_negative CHECK (overdraft_limit >= 0)`);

    // Existing rows: flags and links from where the engine used to keep them.
    await q.query(`
      UPDATE transactions SET
        allow_overdraft = COALESCE(meta_data->>'allow_overdraft' = 'true', false),
        inflight = COALESCE(meta_data->>'inflight' = 'true', false) OR status = 'INFLIGHT',
        atomic = COALESCE(meta_data->>'atomic' = 'true', false),
        queued_parent = meta_data->>'QUEUED_PARENT_TRANSACTION',
        sequence = CASE WHEN meta_data->>'sequence' ~ '^[0-9]{1,9}$' THEN (meta_data->>'sequence')::int END,
        rejection_reason = meta_data->>'blnk_rejection_reason',
        batch_id = CASE WHEN parent_transaction LIKE 'bulk!_%' ESCAPE '!' THEN parent_transaction END`);
    await q.query(`
      UPDATE transactions o SET outcome_of = o.parent_transaction
      FROM transactions p
      WHERE p.transaction_id = o.parent_transaction AND o.reference = p.reference || '_q'
        AND p.status IN ('QUEUED', 'SCHEDULED')`);
    await q.query(`
      UPDATE transactions c SET settles = c.parent_transaction
      FROM transactions h
      WHERE h.transaction_id = c.parent_transaction AND h.status = 'INFLIGHT'
        AND c.status IN ('APPLIED', 'VOID') AND c.outcome_of IS NULL`);
    await q.query(`
      UPDATE transactions r SET refund_of = r.parent_transaction
      WHERE r.outcome_of IS NULL AND r.settles IS NULL AND r.reference = r.parent_transaction || '_refund'`);
    await q.query(`
      UPDATE transactions o SET refund_of = p.refund_of
      FROM transactions p WHERE p.transaction_id = o.outcome_of AND p.refund_of IS NOT NULL`);
    await q.query(
      `UPDATE transactions SET meta_data = meta_data ${ENGINE_KEYS.map((k) => `- '${k}'`).join(' ')}
       - 'sequence' - 'blnk_rejection_reason'
       WHERE meta_data IS NOT NULL`,
    );
    await q.query(`UPDATE transactions SET meta_data = NULL WHERE meta_data = '{}'::jsonb`);

    await q.query(`DROP INDEX transactions_queued_parent_idx`);
    await q.query(
      `CREATE INDEX transactions_queued_parent_idx ON transactions (queued_parent) WHERE queued_parent IS NOT NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX transactions_outcome_of_key ON transactions (outcome_of) WHERE outcome_of IS NOT NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX transactions_refund_of_key ON transactions (refund_of)
       WHERE refund_of IS NOT NULL AND outcome_of IS NULL`,
    );
    await q.query(
      `CREATE INDEX transactions_settles_idx ON transactions (settles) WHERE settles IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX transactions_batch_id_idx ON transactions (batch_id) WHERE batch_id IS NOT NULL`,
    );

    await q.query(`DROP TRIGGER transactions_immutable ON transactions`);
    await q.query(`DROP FUNCTION transactions_immutable()`);
    await q.query(`
      CREATE FUNCTION transactions_immutable() RETURNS trigger AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'transactions are append-only: rows cannot be deleted';
        END IF;
        IF (NEW.transaction_id, NEW.parent_transaction, NEW.source, NEW.destination, NEW.reference,
            NEW.amount, NEW.precise_amount, NEW.precision, NEW.currency, NEW.description, NEW.status,
            NEW.hash, NEW.created_at, NEW.effective_date, NEW.scheduled_for, NEW.allow_overdraft,
            NEW.overdraft_limit, NEW.inflight, NEW.atomic, NEW.queued_parent, NEW.outcome_of,
            NEW.refund_of, NEW.settles, NEW.batch_id, NEW.sequence, NEW.rejection_reason)
           IS DISTINCT FROM
           (OLD.transaction_id, OLD.parent_transaction, OLD.source, OLD.destination, OLD.reference,
            OLD.amount, OLD.precise_amount, OLD.precision, OLD.currency, OLD.description, OLD.status,
            OLD.hash, OLD.created_at, OLD.effective_date, OLD.scheduled_for, OLD.allow_overdraft,
            OLD.overdraft_limit, OLD.inflight, OLD.atomic, OLD.queued_parent, OLD.outcome_of,
            OLD.refund_of, OLD.settles, OLD.batch_id, OLD.sequence, OLD.rejection_reason) THEN
          RAISE EXCEPTION 'Cannot modify transaction data. Only meta_data can be updated.';
        END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql`);
    await q.query(`
      CREATE TRIGGER transactions_immutable BEFORE UPDATE OR DELETE ON transactions
      FOR EACH ROW EXECUTE FUNCTION transactions_immutable()`);

    await q.query(`CREATE TABLE reference_claims (reference TEXT PRIMARY KEY)`);
    await q.query(`
      INSERT INTO reference_claims (reference)
      SELECT reference FROM transactions WHERE outcome_of IS NULL
      UNION
      SELECT reference || '_q' FROM transactions WHERE status IN ('QUEUED', 'SCHEDULED')
      ON CONFLICT DO NOTHING`);
    await q.query(`
      CREATE FUNCTION transactions_claim_references() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO reference_claims (reference)
          SELECT reference FROM new_rows WHERE outcome_of IS NULL
          UNION ALL
          SELECT reference || '_q' FROM new_rows WHERE status IN ('QUEUED', 'SCHEDULED');
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER transactions_claim_references AFTER INSERT ON transactions
      REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION transactions_claim_references()`);

    await q.query(`
      ALTER TABLE queued_work
        ADD COLUMN source TEXT,
        ADD COLUMN destination TEXT,
        ADD COLUMN source_foreign BOOLEAN NOT NULL DEFAULT false,
        ADD COLUMN destination_foreign BOOLEAN NOT NULL DEFAULT false,
        ADD COLUMN credits JSONB,
        ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0,
        ADD COLUMN last_error TEXT`);
    await q.query(`
      UPDATE queued_work w SET source = t.source, destination = t.destination,
        source_foreign = true, destination_foreign = true
      FROM transactions t WHERE w.kind = 'transaction' AND t.transaction_id = w.transaction_id`);
    await q.query(
      `CREATE INDEX queued_work_source_idx ON queued_work (source, seq) WHERE kind = 'transaction'`,
    );
    await q.query(
      `CREATE INDEX queued_work_destination_idx ON queued_work (destination, seq) WHERE kind = 'transaction'`,
    );
    // Touches of a balance from outside its home lane (the lane its own debits go to): the only
    // work a lane must wait for before it debits that balance.
    await q.query(
      `CREATE INDEX queued_work_foreign_debit_idx ON queued_work (source, seq) WHERE source_foreign`,
    );
    await q.query(
      `CREATE INDEX queued_work_foreign_credit_idx ON queued_work (destination, seq) WHERE destination_foreign`,
    );
    // Commits and voids, with the balances they give funds to (`credits`).
    await q.query(
      `CREATE INDEX queued_work_actions_idx ON queued_work (seq) WHERE kind <> 'transaction'`,
    );
    await q.query(`
      CREATE TABLE engine_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE engine_settings`);
    await q.query(`DROP INDEX queued_work_actions_idx`);
    await q.query(`DROP INDEX queued_work_foreign_credit_idx`);
    await q.query(`DROP INDEX queued_work_foreign_debit_idx`);
    await q.query(`DROP INDEX queued_work_destination_idx`);
    await q.query(`DROP INDEX queued_work_source_idx`);
    await q.query(`
      ALTER TABLE queued_work DROP COLUMN source, DROP COLUMN destination,
        DROP COLUMN source_foreign, DROP COLUMN destination_foreign, DROP COLUMN credits, DROP COLUMN attempts,
        DROP COLUMN last_error`);
    await q.query(`DROP TRIGGER transactions_claim_references ON transactions`);
    await q.query(`DROP FUNCTION transactions_claim_references()`);
    await q.query(`DROP TABLE reference_claims`);
    // Back to flags in meta_data, where the earlier engine reads them.
    await q.query(`DROP TRIGGER transactions_immutable ON transactions`);
    await q.query(`
      UPDATE transactions SET meta_data = COALESCE(meta_data, '{}'::jsonb)
        || CASE WHEN allow_overdraft THEN '{"allow_overdraft": true}'::jsonb ELSE '{}'::jsonb END
        || CASE WHEN inflight AND status IN ('QUEUED', 'SCHEDULED', 'INFLIGHT') THEN '{"inflight": true}'::jsonb ELSE '{}'::jsonb END
        || CASE WHEN atomic THEN '{"atomic": true}'::jsonb ELSE '{}'::jsonb END
        || CASE WHEN queued_parent IS NOT NULL THEN jsonb_build_object('QUEUED_PARENT_TRANSACTION', queued_parent) ELSE '{}'::jsonb END
        || CASE WHEN sequence IS NOT NULL THEN jsonb_build_object('sequence', sequence) ELSE '{}'::jsonb END
        || CASE WHEN rejection_reason IS NOT NULL THEN jsonb_build_object('blnk_rejection_reason', rejection_reason) ELSE '{}'::jsonb END`);
    await q.query(`DROP INDEX transactions_batch_id_idx`);
    await q.query(`DROP INDEX transactions_settles_idx`);
    await q.query(`DROP INDEX transactions_refund_of_key`);
    await q.query(`DROP INDEX transactions_outcome_of_key`);
    await q.query(`DROP INDEX transactions_queued_parent_idx`);
    await q.query(`
      ALTER TABLE transactions DROP CONSTRAINT transactions_overdraft_limit_non_negative,
        DROP COLUMN allow_overdraft, DROP COLUMN overdraft_limit, DROP COLUMN inflight,
        DROP COLUMN atomic, DROP COLUMN queued_parent, DROP COLUMN outcome_of, DROP COLUMN refund_of,
        DROP COLUMN settles, DROP COLUMN batch_id, DROP COLUMN sequence, DROP COLUMN rejection_reason`);
    await q.query(
      `CREATE INDEX transactions_queued_parent_idx ON transactions ((meta_data->>'QUEUED_PARENT_TRANSACTION'))`,
    );
    await q.query(`DROP FUNCTION transactions_immutable()`);
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
}
