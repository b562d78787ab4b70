import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The durable list of accepted-but-not-yet-applied work. A row is written in the same database
 * transaction as the QUEUED transaction row it applies, and deleted in the same database
 * transaction as that row's outcome, so work is never lost (Redis may lose its jobs) and never
 * applied twice (a retried job finds the row gone).
 */
export class QueuedWork1732492800000 implements MigrationInterface {
  name = 'QueuedWork1732492800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE queued_work (
        seq BIGSERIAL PRIMARY KEY,
        transaction_id TEXT NOT NULL UNIQUE REFERENCES transactions (transaction_id),
        group_id TEXT NOT NULL,
        lane INTEGER NOT NULL,
        run_at TIMESTAMPTZ NOT NULL,
        options JSONB NOT NULL DEFAULT '{}',
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX queued_work_due_idx ON queued_work (lane, run_at, seq)`);
    await q.query(`CREATE INDEX queued_work_group_idx ON queued_work (group_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE queued_work`);
  }
}
