import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `reconciliation_staging` (…950) holds an upload's rows only while it streams in: staged rows
 * are no statement, and an upload cut off by a crash fails with its connection. So the table need
 * not survive a crash, and is unlogged: a staged batch writes no WAL and its commit waits for no
 * WAL flush (a 100,000-row upload stages 100 batches, each its own commit), nor does dropping the
 * rows when the upload ends. A crash of the server empties it, which is what the day-old cleanup
 * does anyway. Nothing reads it on a replica: the upload stages and moves on the primary.
 */
export class ReconciliationStagingUnlogged1734100000000 implements MigrationInterface {
  name = 'ReconciliationStagingUnlogged1734100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reconciliation_staging SET UNLOGGED`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE reconciliation_staging SET LOGGED`);
  }
}
