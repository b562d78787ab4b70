import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scoped API keys (reference §2.12, §11.1). Only a SHA-256 digest of each secret is stored
 * (`key_hash`); `key_prefix`, the first 16 characters, is the lookup index. A revoked key keeps its
 * row (who created what stays answerable); `created_by` names the key or operator that made it.
 */
export class ApiKeys1732665600000 implements MigrationInterface {
  name = 'ApiKeys1732665600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        api_key_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        owner_id TEXT NOT NULL,
        scopes TEXT[] NOT NULL DEFAULT '{}',
        key_prefix VARCHAR(16) NOT NULL,
        key_hash CHAR(64) NOT NULL UNIQUE,
        expires_at TIMESTAMPTZ NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        last_used_at TIMESTAMPTZ,
        is_revoked BOOLEAN NOT NULL DEFAULT false,
        revoked_at TIMESTAMPTZ,
        created_by TEXT NOT NULL,
        CHECK (is_revoked = (revoked_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX api_keys_prefix_idx ON api_keys (key_prefix)`);
    await q.query(`CREATE INDEX api_keys_owner_idx ON api_keys (owner_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
  }
}
