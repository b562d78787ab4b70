import { MigrationInterface, QueryRunner } from 'typeorm';

/** Reserved stub: filled in by the work it is named for. */
export class ReconciliationMatching1733950000000 implements MigrationInterface {
  name = 'ReconciliationMatching1733950000000';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}
