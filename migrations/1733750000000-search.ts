import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Search (issue 15).
 *
 * PostgreSQL fallback: `pg_trgm` (trigram GIN indexes narrow a text match before the word check)
 * and `fuzzystrmatch` (`levenshtein_less_equal`, the typo check), both shipped by PGlite too.
 * `search_norm` is the SQL twin of `normalizeWord` in the search domain: lower case, ASCII
 * punctuation dropped. Expression indexes on it serve `search_norm(col) LIKE '%word%'`.
 *
 * Typesense feed: `search_index_queue` holds the entities whose documents must be (re)written.
 * Triggers fill it in the database transaction of the change, only while `search_feed.enabled`
 * (set at start when Typesense is configured), so nothing is lost whatever crashes, and without
 * Typesense the write paths pay one lookup per statement. The indexer deletes rows once Typesense
 * has them; a seq cursor over the outbox would skip a change whose transaction commits after one
 * with a later seq, and the outbox is pruned on the relay's schedule, not the indexer's.
 * A transaction row queues its balances too (their amounts moved), ahead of itself.
 *
 * `search_reindex`: the one reindex run's progress and resume point (one row: the latest run).
 * Its batches take the indexer's lease in `search_feed`, so one process writes to Typesense at a
 * time and a document read earlier is never written over one read later.
 */
export class Search1733750000000 implements MigrationInterface {
  name = 'Search1733750000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS fuzzystrmatch`);
    await q.query(`
      CREATE FUNCTION search_norm(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT regexp_replace(lower($1), '[!-/:-@\\[-\`{-~]+', '', 'g') $$`);
    await q.query(`CREATE INDEX transactions_search_description_idx
      ON transactions USING gin (search_norm(description) gin_trgm_ops)`);
    await q.query(`CREATE INDEX transactions_search_currency_amount_idx
      ON transactions (currency, amount)`);
    await q.query(`CREATE INDEX ledgers_search_name_idx
      ON ledgers USING gin (search_norm(name) gin_trgm_ops)`);
    for (const c of ['first_name', 'last_name', 'organization_name']) {
      await q.query(`CREATE INDEX identity_search_${c}_idx
        ON identity USING gin (search_norm(${c}) gin_trgm_ops)`);
    }

    await q.query(`
      CREATE TABLE search_feed (
        id BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
        enabled BOOLEAN NOT NULL DEFAULT false,
        -- One indexer round at a time across processes: documents are written in change order.
        lease_until TIMESTAMPTZ
      )`);
    await q.query(`INSERT INTO search_feed (id, enabled) VALUES (true, false)`);
    await q.query(`
      CREATE TABLE search_index_queue (
        seq BIGSERIAL PRIMARY KEY,
        collection TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        queued_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    const feed = (name: string, body: string) =>
      q.query(`
        CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql SET search_path = blnk AS $$
        BEGIN
          IF NOT (SELECT enabled FROM search_feed) THEN RETURN NULL; END IF;
          ${body}
          RETURN NULL;
        END $$`);
    await feed(
      'search_feed_rows',
      `INSERT INTO search_index_queue (collection, entity_id)
         SELECT TG_ARGV[0], (to_jsonb(n) ->> TG_ARGV[1]) FROM new_rows n;`,
    );
    await feed(
      'search_feed_transactions',
      `INSERT INTO search_index_queue (collection, entity_id)
         SELECT 'balances', b FROM (
           SELECT source AS b FROM new_rows UNION SELECT destination FROM new_rows) x
         WHERE b IS NOT NULL;
       INSERT INTO search_index_queue (collection, entity_id)
         SELECT 'transactions', transaction_id FROM new_rows;`,
    );
    await feed(
      'search_feed_row',
      `INSERT INTO search_index_queue (collection, entity_id) VALUES (TG_ARGV[0],
         CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END ->> TG_ARGV[1]);`,
    );
    const tables: [string, string, string][] = [
      ['ledgers', 'ledgers', 'ledger_id'],
      ['balances', 'balances', 'balance_id'],
      ['identity', 'identities', 'identity_id'],
    ];
    for (const [table, collection, id] of tables) {
      await q.query(`CREATE TRIGGER search_feed_insert AFTER INSERT ON ${table}
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
        EXECUTE FUNCTION search_feed_rows('${collection}', '${id}')`);
    }
    await q.query(`CREATE TRIGGER search_feed_insert AFTER INSERT ON transactions
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
      EXECUTE FUNCTION search_feed_transactions()`);
    // Updates outside the engine's money moves: a rename, metadata, an identity edit or its
    // tokenization, a balance's identity. Balance amounts are queued with their transaction rows.
    const updates: [string, string, string, string][] = [
      ['ledgers', 'ledgers', 'ledger_id', 'name, meta_data'],
      ['balances', 'balances', 'balance_id', 'identity_id, meta_data'],
      ['transactions', 'transactions', 'transaction_id', 'meta_data'],
      ['identity', 'identities', 'identity_id', ''],
    ];
    for (const [table, collection, id, columns] of updates) {
      await q.query(`CREATE TRIGGER search_feed_update AFTER UPDATE ${columns ? `OF ${columns} ` : ''}ON ${table}
        FOR EACH ROW EXECUTE FUNCTION search_feed_row('${collection}', '${id}')`);
    }
    // A deleted identity is queued too: the indexer finds no row and removes its document.
    await q.query(`CREATE TRIGGER search_feed_delete AFTER DELETE ON identity
      FOR EACH ROW EXECUTE FUNCTION search_feed_row('identities', 'identity_id')`);

    await q.query(`
      CREATE TABLE search_reindex (
        id BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
        status TEXT NOT NULL CHECK (status IN ('in_progress', 'completed', 'failed')),
        phase TEXT NOT NULL,
        total_records BIGINT NOT NULL DEFAULT 0,
        processed_records BIGINT NOT NULL DEFAULT 0,
        errors JSONB NOT NULL DEFAULT '[]',
        batch_size INTEGER NOT NULL,
        -- Resume point: the internal id of the last row of the phase written.
        position TEXT NOT NULL DEFAULT '0',
        started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        completed_at TIMESTAMPTZ,
        -- Set while Typesense is unreachable: the run waits and goes on from position.
        paused_at TIMESTAMPTZ,
        pause_reason TEXT
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS search_reindex`);
    for (const t of ['ledgers', 'balances', 'identity', 'transactions']) {
      await q.query(`DROP TRIGGER IF EXISTS search_feed_insert ON ${t}`);
      await q.query(`DROP TRIGGER IF EXISTS search_feed_update ON ${t}`);
    }
    await q.query(`DROP TRIGGER IF EXISTS search_feed_delete ON identity`);
    await q.query(`DROP FUNCTION IF EXISTS search_feed_rows()`);
    await q.query(`DROP FUNCTION IF EXISTS search_feed_row()`);
    await q.query(`DROP FUNCTION IF EXISTS search_feed_transactions()`);
    await q.query(`DROP TABLE IF EXISTS search_index_queue`);
    await q.query(`DROP TABLE IF EXISTS search_feed`);
    await q.query(`DROP INDEX IF EXISTS transactions_search_description_idx`);
    await q.query(`DROP INDEX IF EXISTS transactions_search_currency_amount_idx`);
    await q.query(`DROP INDEX IF EXISTS ledgers_search_name_idx`);
    for (const c of ['first_name', 'last_name', 'organization_name']) {
      await q.query(`DROP INDEX IF EXISTS identity_search_${c}_idx`);
    }
    await q.query(`DROP FUNCTION IF EXISTS search_norm(text)`);
    // The extensions this migration created live in schema blnk; one that was already installed
    // elsewhere (an operator's, in public) is not this migration's to remove.
    for (const ext of ['fuzzystrmatch', 'pg_trgm']) {
      await q.query(`
        DO $$ BEGIN
          IF EXISTS (SELECT 1 FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                     WHERE e.extname = '${ext}' AND n.nspname = 'blnk') THEN
            DROP EXTENSION ${ext};
          END IF;
        END $$`);
    }
  }
}
