import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identities with tokenized PII (reference §2.6, §9).
 *
 * * `identity_token`: the server's record of which fields of an identity hold a token and which
 *   key made it. The token itself (AES-256-GCM ciphertext, `FPT:<visible>:<payload>`) replaces
 *   the value in its own `identity` column, as in Blnk; no plaintext is kept anywhere. Keyed by
 *   `key_id` so rotation finds what is left to re-encrypt without opening every token.
 * * `detokenization_audit`: who revealed which field of which identity, and when. Never the
 *   value. Rows cannot be changed (trigger); they outlive the identity they name.
 * * List indexes on `identity` (newest first, and by country as Blnk has).
 */
export class Identities1732579200000 implements MigrationInterface {
  name = 'Identities1732579200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE identity_token (
        identity_id TEXT NOT NULL REFERENCES identity (identity_id) ON DELETE CASCADE,
        field TEXT NOT NULL CHECK (field IN
          ('FirstName', 'LastName', 'OtherNames', 'EmailAddress', 'PhoneNumber', 'Street', 'PostCode')),
        key_id TEXT NOT NULL,
        tokenized_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (identity_id, field)
      )`);
    await q.query(`CREATE INDEX identity_token_key_id_idx ON identity_token (key_id, identity_id)`);

    await q.query(`
      CREATE TABLE detokenization_audit (
        id BIGSERIAL PRIMARY KEY,
        identity_id TEXT NOT NULL,
        field TEXT NOT NULL,
        api_key_id TEXT NOT NULL,
        owner TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('revealed', 'failed')),
        created_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX detokenization_audit_identity_idx ON detokenization_audit (identity_id, created_at DESC)`,
    );
    await q.query(
      `CREATE INDEX detokenization_audit_created_at_idx ON detokenization_audit (created_at DESC)`,
    );
    await q.query(`
      CREATE FUNCTION detokenization_audit_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'detokenization_audit rows cannot be changed';
      END $$`);
    await q.query(`
      CREATE TRIGGER detokenization_audit_no_update BEFORE UPDATE ON detokenization_audit
      FOR EACH ROW EXECUTE FUNCTION detokenization_audit_immutable()`);

    await q.query(`CREATE INDEX identity_created_at_idx ON identity (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX identity_country_idx ON identity (country, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX identity_country_idx`);
    await q.query(`DROP INDEX identity_created_at_idx`);
    await q.query(`DROP TABLE detokenization_audit`);
    await q.query(`DROP FUNCTION detokenization_audit_immutable()`);
    await q.query(`DROP TABLE identity_token`);
  }
}
