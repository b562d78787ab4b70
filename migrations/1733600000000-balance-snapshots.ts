import { MigrationInterface, QueryRunner } from 'typeorm';

/** Balance snapshots and historical balances (issue 14). */
export class BalanceSnapshots1733600000000 implements MigrationInterface {
  name = 'BalanceSnapshots1733600000000';

  async up(_q: QueryRunner): Promise<void> {
    // filled in by the Balance snapshots and historical balances work
  }

  async down(_q: QueryRunner): Promise<void> {
    // filled in by the Balance snapshots and historical balances work
  }
}
