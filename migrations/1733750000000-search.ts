import { MigrationInterface, QueryRunner } from 'typeorm';

/** Search: PostgreSQL fallback indexes and the indexing cursor (issue 15). */
export class Search1733750000000 implements MigrationInterface {
  name = 'Search1733750000000';

  async up(_q: QueryRunner): Promise<void> {
    // filled in by the search work
  }

  async down(_q: QueryRunner): Promise<void> {
    // filled in by the search work
  }
}
