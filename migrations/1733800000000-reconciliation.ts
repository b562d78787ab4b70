import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reconciliation (issue 16, reference §8): uploaded statements, matching rules, runs and their
 * results.
 *
 * * `external_transactions` is unique per (source, external id), not globally as in Blnk: the
 *   same statement uploaded again is recognized (same rows) and answered with its upload, a row
 *   changed under an existing id is refused. `seq` orders a run and is its checkpoint.
 * * A run (`reconciliations`) keeps the rules as they were when it started, its counts, the seq of
 *   the last external row it finished, and a lease (owner, until) so that one worker of several
 *   runs it at a time; a batch's results and the checkpoint commit together, so a crash resumes
 *   at the checkpoint, neither from zero nor twice.
 * * `reconciliation_matches` is where a matched internal transaction's reconciliation lives: the
 *   §8.4 metadata keys are derived from it on output, never written into `meta_data` (transaction
 *   rows are immutable, and engine keys there would be client-writable).
 * * The run's end writes `reconciliation.completed` / `.failed` into the outbox by a statement
 *   trigger on the status column, in the same database transaction: one event per run, exactly
 *   once (the finishing UPDATE is conditional on the run being open).
 */
export class Reconciliation1733800000000 implements MigrationInterface {
  name = 'Reconciliation1733800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reconciliation_uploads (
        upload_id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        record_count INTEGER NOT NULL CHECK (record_count >= 0),
        digest TEXT NOT NULL,
        instant BOOLEAN NOT NULL DEFAULT false,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX reconciliation_uploads_digest_idx ON reconciliation_uploads (source, digest)`,
    );
    await q.query(`
      CREATE TABLE external_transactions (
        seq BIGSERIAL PRIMARY KEY,
        upload_id TEXT NOT NULL REFERENCES reconciliation_uploads (upload_id) ON DELETE CASCADE,
        external_id TEXT NOT NULL,
        source TEXT NOT NULL,
        amount NUMERIC NOT NULL,
        currency TEXT NOT NULL,
        reference TEXT NOT NULL,
        description TEXT NOT NULL,
        date TIMESTAMPTZ NOT NULL,
        UNIQUE (source, external_id)
      )`);
    await q.query(
      `CREATE INDEX external_transactions_upload_idx ON external_transactions (upload_id, seq)`,
    );
    await q.query(`
      CREATE TABLE matching_rules (
        rule_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        criteria JSONB NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      )`);
    await q.query(
      `CREATE INDEX matching_rules_created_idx ON matching_rules (created_at, rule_id)`,
    );
    await q.query(`
      CREATE TABLE reconciliations (
        reconciliation_id TEXT PRIMARY KEY,
        upload_id TEXT NOT NULL REFERENCES reconciliation_uploads (upload_id),
        strategy TEXT NOT NULL,
        grouping_criteria TEXT NOT NULL DEFAULT '',
        rules JSONB NOT NULL,
        dry_run BOOLEAN NOT NULL,
        status TEXT NOT NULL DEFAULT 'started'
          CHECK (status IN ('started', 'in_progress', 'completed', 'failed')),
        total INTEGER NOT NULL,
        processed INTEGER NOT NULL DEFAULT 0,
        matched INTEGER NOT NULL DEFAULT 0,
        unmatched INTEGER NOT NULL DEFAULT 0,
        checkpoint BIGINT NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_until TIMESTAMPTZ,
        attempts INTEGER NOT NULL DEFAULT 0,
        groups_ready BOOLEAN NOT NULL DEFAULT false,
        error TEXT,
        started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        running_since TIMESTAMPTZ,
        completed_at TIMESTAMPTZ
      )`);
    await q.query(
      `CREATE INDEX reconciliations_open_idx ON reconciliations (started_at)
         WHERE status IN ('started', 'in_progress')`,
    );
    await q.query(`
      CREATE TABLE reconciliation_matches (
        reconciliation_id TEXT NOT NULL REFERENCES reconciliations (reconciliation_id) ON DELETE CASCADE,
        external_seq BIGINT NOT NULL,
        external_id TEXT NOT NULL,
        internal_transaction_id TEXT NOT NULL,
        amount NUMERIC NOT NULL,
        date TIMESTAMPTZ NOT NULL,
        rule_id TEXT NOT NULL,
        matched_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (reconciliation_id, external_seq, internal_transaction_id)
      )`);
    await q.query(
      `CREATE INDEX reconciliation_matches_internal_idx
         ON reconciliation_matches (internal_transaction_id, matched_at DESC)`,
    );
    await q.query(`
      CREATE TABLE reconciliation_unmatched (
        reconciliation_id TEXT NOT NULL REFERENCES reconciliations (reconciliation_id) ON DELETE CASCADE,
        external_seq BIGINT NOT NULL,
        external_id TEXT NOT NULL,
        PRIMARY KEY (reconciliation_id, external_seq)
      )`);
    // one_to_many and many_to_one: the run's groups, summarized once when the run begins (so a
    // resumed run sees the same groups), searched by range on the summary, consumed when
    // matched; many_to_one's claims are the internal transactions a group took. Both are scratch
    // and deleted when the run ends.
    await q.query(`
      CREATE TABLE reconciliation_groups (
        reconciliation_id TEXT NOT NULL REFERENCES reconciliations (reconciliation_id) ON DELETE CASCADE,
        ordinal BIGINT NOT NULL,
        amount NUMERIC NOT NULL,
        first_at TIMESTAMPTZ NOT NULL,
        currency TEXT NOT NULL,
        description TEXT NOT NULL,
        reference TEXT NOT NULL,
        members TEXT[] NOT NULL,
        consumed BOOLEAN NOT NULL DEFAULT false,
        PRIMARY KEY (reconciliation_id, ordinal)
      )`);
    await q.query(
      `CREATE INDEX reconciliation_groups_amount_idx ON reconciliation_groups (reconciliation_id, amount) WHERE NOT consumed`,
    );
    await q.query(
      `CREATE INDEX reconciliation_groups_date_idx ON reconciliation_groups (reconciliation_id, first_at) WHERE NOT consumed`,
    );
    await q.query(`
      CREATE TABLE reconciliation_claims (
        reconciliation_id TEXT NOT NULL REFERENCES reconciliations (reconciliation_id) ON DELETE CASCADE,
        internal_transaction_id TEXT NOT NULL,
        PRIMARY KEY (reconciliation_id, internal_transaction_id)
      )`);
    // one_to_one's candidate search: a range of created_at within one currency, amount filtered
    // in the index (reference §8.3). Costs the writers one more index entry per row.
    await q.query(
      `CREATE INDEX transactions_reconciliation_idx ON transactions (currency, created_at) INCLUDE (amount)`,
    );
    await q.query(`
      CREATE FUNCTION outbox_reconciliations() RETURNS trigger LANGUAGE plpgsql SET search_path = blnk AS $$
      BEGIN
        INSERT INTO event_outbox (event, entity, entity_id, snapshot)
          SELECT 'reconciliation.' || n.status, 'raw', n.reconciliation_id,
            jsonb_build_object('reconciliation_id', n.reconciliation_id, 'upload_id', n.upload_id,
              'status', n.status, 'matched_transactions', n.matched,
              'unmatched_transactions', n.unmatched, 'is_dry_run', n.dry_run,
              'started_at', to_char(n.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
              'completed_at', to_char(n.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
            || CASE WHEN n.status = 'failed' THEN jsonb_build_object('error', n.error) ELSE '{}'::jsonb END
          FROM new_rows n JOIN old_rows o ON o.reconciliation_id = n.reconciliation_id
          WHERE o.status IN ('started', 'in_progress') AND n.status IN ('completed', 'failed');
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER outbox_reconciliations AFTER UPDATE ON reconciliations
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION outbox_reconciliations()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER outbox_reconciliations ON reconciliations`);
    await q.query(`DROP FUNCTION outbox_reconciliations()`);
    await q.query(`DROP INDEX transactions_reconciliation_idx`);
    for (const t of [
      'reconciliation_claims',
      'reconciliation_groups',
      'reconciliation_unmatched',
      'reconciliation_matches',
      'reconciliations',
      'matching_rules',
      'external_transactions',
      'reconciliation_uploads',
    ]) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
