import { MigrationInterface, QueryRunner } from 'typeorm';

/** Idempotency-Key storage (issue 14). */
export class IdempotencyKeys1733500000000 implements MigrationInterface {
  name = 'IdempotencyKeys1733500000000';

  async up(_q: QueryRunner): Promise<void> {
    // filled in by the Idempotency-Key storage work
  }

  async down(_q: QueryRunner): Promise<void> {
    // filled in by the Idempotency-Key storage work
  }
}
