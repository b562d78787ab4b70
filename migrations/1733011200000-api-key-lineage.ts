import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `DELETE /api-keys/:id?cascade=true` walks `created_by` downwards (the keys a key created, then
 * theirs): an index makes each step of that walk a lookup instead of a scan of every key.
 */
export class ApiKeyLineage1733011200000 implements MigrationInterface {
  name = 'ApiKeyLineage1733011200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX api_keys_created_by_idx ON api_keys (created_by)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX api_keys_created_by_idx`);
  }
}
