import { MigrationInterface, QueryRunner } from 'typeorm';

/** Fund lineage (issue 14). */
export class FundLineage1733650000000 implements MigrationInterface {
  name = 'FundLineage1733650000000';

  async up(_q: QueryRunner): Promise<void> {
    // filled in by the Fund lineage work
  }

  async down(_q: QueryRunner): Promise<void> {
    // filled in by the Fund lineage work
  }
}
