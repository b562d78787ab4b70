import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Queued bulk batches whose end has an event (reference §5.11, §7.1): a `run_async` batch sends
 * `bulk_transaction.applied` / `.inflight` when its last item has its outcome, or
 * `bulk_transaction.failed` when an atomic batch was rejected; an atomic queued batch that is
 * not `run_async` sends only `.failed` (as Blnk's rollback does).
 *
 * The row is written in the database transaction that accepts the batch (with its QUEUED rows
 * and their work). A batch is over when no work of its rows is left; the finisher marks it with
 * one conditional UPDATE (`finished_at IS NULL`), so of several workers exactly one does, and
 * the trigger below writes the event in that same transaction: exactly one event per batch,
 * never for one that is not over, whatever dies.
 */
export class BulkBatches1733700000000 implements MigrationInterface {
  name = 'BulkBatches1733700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bulk_batches (
        batch_id TEXT PRIMARY KEY,
        item_count INTEGER NOT NULL CHECK (item_count > 0),
        inflight BOOLEAN NOT NULL,
        atomic BOOLEAN NOT NULL,
        run_async BOOLEAN NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        finished_at TIMESTAMPTZ,
        rejected_count INTEGER,
        error TEXT,
        CHECK (run_async OR atomic)
      )`);
    await q.query(
      `CREATE INDEX bulk_batches_open_idx ON bulk_batches (created_at) WHERE finished_at IS NULL`,
    );
    await q.query(`
      CREATE FUNCTION outbox_bulk_batches() RETURNS trigger LANGUAGE plpgsql SET search_path = blnk AS $$
      BEGIN
        INSERT INTO event_outbox (event, entity, entity_id, snapshot)
          SELECT 'bulk_transaction.' || s.status, 'raw', n.batch_id,
            CASE WHEN s.status = 'failed'
              THEN jsonb_build_object('batch_id', n.batch_id, 'status', s.status,
                'timestamp', s.at, 'error', COALESCE(n.error, 'the batch was rejected'))
              ELSE jsonb_build_object('batch_id', n.batch_id, 'status', s.status,
                'timestamp', s.at, 'transaction_count', n.item_count,
                'rejected_count', n.rejected_count)
            END
          FROM new_rows n JOIN old_rows o ON o.batch_id = n.batch_id
          CROSS JOIN LATERAL (SELECT
            CASE WHEN n.atomic AND n.rejected_count > 0 THEN 'failed'
                 WHEN n.inflight THEN 'inflight' ELSE 'applied' END AS status,
            to_char(n.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at) s
          WHERE o.finished_at IS NULL AND n.finished_at IS NOT NULL
            AND (n.run_async OR s.status = 'failed');
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER outbox_bulk_batches AFTER UPDATE ON bulk_batches
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION outbox_bulk_batches()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER outbox_bulk_batches ON bulk_batches`);
    await q.query(`DROP FUNCTION outbox_bulk_batches()`);
    await q.query(`DROP TABLE bulk_batches`);
  }
}
