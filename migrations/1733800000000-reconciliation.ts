import { MigrationInterface, QueryRunner } from 'typeorm';

/** Reconciliation: uploads, external rows, matching rules, runs and their results (issue 16). */
export class Reconciliation1733800000000 implements MigrationInterface {
  name = 'Reconciliation1733800000000';

  async up(_q: QueryRunner): Promise<void> {
    // filled in by the reconciliation work
  }

  async down(_q: QueryRunner): Promise<void> {
    // filled in by the reconciliation work
  }
}
