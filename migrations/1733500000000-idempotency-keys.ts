import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency-Key storage (issue 14, docs/architecture.md "Idempotency keys"). One row per key of
 * a scope (an API key, or the master key), written in the database transaction of the request's
 * effect (`effect`) or, for an answer that changed nothing, on its own; the answer (status, the
 * exact bytes, their type) is added once it is sent. Rows older than `idempotency.retention` are
 * ignored and pruned by created_at.
 */
export class IdempotencyKeys1733500000000 implements MigrationInterface {
  name = 'IdempotencyKeys1733500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        effect BOOLEAN NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        status_code INTEGER,
        content_type TEXT,
        body BYTEA,
        answered_at TIMESTAMPTZ,
        PRIMARY KEY (scope, key),
        CHECK ((status_code IS NULL) = (answered_at IS NULL)),
        CHECK ((status_code IS NULL) = (body IS NULL)),
        CHECK (effect OR status_code IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
  }
}
