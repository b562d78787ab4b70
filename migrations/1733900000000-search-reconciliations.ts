import { MigrationInterface, QueryRunner } from 'typeorm';

/** Reserved stub: filled in by the work it is named for. */
export class SearchReconciliations1733900000000 implements MigrationInterface {
  name = 'SearchReconciliations1733900000000';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}
