import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Transaction hooks (reference §2.11), which Blnk keeps in Redis (`hooks:<id>` and the sets
 * `hooks:pre` / `hooks:post`). Here they are rows: they survive a Redis flush, every process
 * reads the same list, and a call's last_run / last_success is a one-column update that cannot
 * undo a concurrent edit. `blocking` and `fail_open` are Neraca's (a pre-hook that can veto);
 * only a PRE_TRANSACTION hook may have them, and fail_open only with blocking.
 */
export class Hooks1733400000000 implements MigrationInterface {
  name = 'Hooks1733400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE hooks (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL DEFAULT '',
        url TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('PRE_TRANSACTION', 'POST_TRANSACTION')),
        active BOOLEAN NOT NULL DEFAULT false,
        timeout_seconds INTEGER NOT NULL CHECK (timeout_seconds > 0),
        retry_count INTEGER NOT NULL CHECK (retry_count >= 0),
        blocking BOOLEAN NOT NULL DEFAULT false,
        fail_open BOOLEAN NOT NULL DEFAULT false,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        last_run TIMESTAMPTZ,
        last_success BOOLEAN NOT NULL DEFAULT false,
        CHECK (type = 'PRE_TRANSACTION' OR NOT (blocking OR fail_open)),
        CHECK (blocking OR NOT fail_open)
      )`);
    await q.query(`CREATE INDEX hooks_type_idx ON hooks (type, created_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE hooks`);
  }
}
