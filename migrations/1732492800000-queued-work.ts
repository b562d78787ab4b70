import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The durable list of accepted-but-not-yet-applied work. A `transaction` item is written in the
 * same database transaction as the QUEUED row it applies (`transaction_id`); a `commit` / `void`
 * item names the hold it settles (`transaction_id` is then the id the client gave, which may be a
 * split parent without a row of its own). An item is deleted in the same database transaction as
 * the rows it produced, so work is never lost (Redis may lose its jobs) and never applied twice.
 */
export class QueuedWork1732492800000 implements MigrationInterface {
  name = 'QueuedWork1732492800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE queued_work (
        seq BIGSERIAL PRIMARY KEY,
        work_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('transaction', 'commit', 'void')),
        transaction_id TEXT NOT NULL,
        group_id TEXT NOT NULL,
        lane INTEGER NOT NULL,
        run_at TIMESTAMPTZ NOT NULL,
        options JSONB NOT NULL DEFAULT '{}',
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX queued_work_due_idx ON queued_work (lane, run_at, seq)`);
    await q.query(`CREATE INDEX queued_work_group_idx ON queued_work (group_id)`);
    await q.query(`CREATE INDEX queued_work_target_idx ON queued_work (transaction_id)`);
    // Holds accepted on the queued path are found through the id the client was given.
    await q.query(
      `CREATE INDEX transactions_queued_parent_idx ON transactions ((meta_data->>'QUEUED_PARENT_TRANSACTION'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX transactions_queued_parent_idx`);
    await q.query(`DROP TABLE queued_work`);
  }
}
