import { MigrationInterface, QueryRunner } from 'typeorm';

/** Transaction hash chain (issue 14). */
export class HashChain1733550000000 implements MigrationInterface {
  name = 'HashChain1733550000000';

  async up(_q: QueryRunner): Promise<void> {
    // filled in by the Transaction hash chain work
  }

  async down(_q: QueryRunner): Promise<void> {
    // filled in by the Transaction hash chain work
  }
}
