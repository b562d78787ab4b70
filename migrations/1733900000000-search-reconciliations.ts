import { MigrationInterface, QueryRunner } from 'typeorm';

/** The document fields of a reconciliation (search collection `reconciliations`) and their columns. */
const DOCUMENT_COLUMNS = [
  'upload_id',
  'status',
  'strategy',
  'matched',
  'unmatched',
  'dry_run',
  'started_at',
  'completed_at',
];

/**
 * Search over reconciliation runs (issue 15): the `reconciliations` table feeds the Typesense
 * queue as the other collections do (migration 1733750000000's trigger functions), so a run's
 * status and counts reach its document as the run goes; the PostgreSQL search reads the table
 * live and needs no feed.
 *
 * * A new run is queued by a statement trigger, as ledgers and balances are.
 * * An update is queued only when a field of the document changed: a run's batches also move
 *   its checkpoint, processed count and lease, which the document does not show, and queueing
 *   those would cost the run a queue row per batch for nothing.
 * * A deleted run is queued too: the indexer finds no row and removes its document.
 * * `reconciliations_search_started_idx` serves the default sort (newest run first), the
 *   tie-break and the reindex scan (started_at, then the text key).
 * * Runs made before this migration were never queued: with the feed on (Typesense configured)
 *   they are queued here, oldest first, so the indexer writes them without a reindex.
 */
export class SearchReconciliations1733900000000 implements MigrationInterface {
  name = 'SearchReconciliations1733900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TRIGGER search_feed_insert AFTER INSERT ON reconciliations
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
      EXECUTE FUNCTION search_feed_rows('reconciliations', 'reconciliation_id')`);
    const changed = DOCUMENT_COLUMNS.map((c) => `OLD.${c} IS DISTINCT FROM NEW.${c}`).join(' OR ');
    await q.query(`CREATE TRIGGER search_feed_update AFTER UPDATE ON reconciliations
      FOR EACH ROW WHEN (${changed})
      EXECUTE FUNCTION search_feed_row('reconciliations', 'reconciliation_id')`);
    await q.query(`CREATE TRIGGER search_feed_delete AFTER DELETE ON reconciliations
      FOR EACH ROW EXECUTE FUNCTION search_feed_row('reconciliations', 'reconciliation_id')`);
    await q.query(`CREATE INDEX reconciliations_search_started_idx
      ON reconciliations (started_at, reconciliation_id)`);
    await q.query(`INSERT INTO search_index_queue (collection, entity_id)
      SELECT 'reconciliations', reconciliation_id FROM reconciliations
      WHERE (SELECT enabled FROM search_feed) ORDER BY started_at, reconciliation_id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS reconciliations_search_started_idx`);
    for (const t of ['insert', 'update', 'delete']) {
      await q.query(`DROP TRIGGER IF EXISTS search_feed_${t} ON reconciliations`);
    }
  }
}
