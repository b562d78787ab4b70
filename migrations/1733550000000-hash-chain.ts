import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Transaction hash chain (issue 14; reference §5.14, docs/architecture.md "The hash chain").
 *
 * The chain lives beside the transactions, not in them, so the immutability trigger on
 * `transactions` stays strict (no column of a row ever changes, not even a chain column):
 *
 * * `transaction_chain_pending`: the id of every transaction row not sealed yet, written by a
 *   statement trigger in the inserting transaction, so no insert path can skip it and a row that
 *   rolls back leaves nothing. A row becomes visible here when its transaction commits, whatever
 *   its id: the sealer seals what is visible, so it never waits on, nor seals past, a
 *   transaction still open.
 * * `transaction_chain`: one link per sealed row, append-only (trigger). `seq` is given by the
 *   sealer (1, 2, 3 … in the order it seals), `prev_hash` / `chain_hash` as §5.14;
 *   `fields_hash` and `field_digests` cover every frozen column (Blnk's chain hash covers ten)
 *   so `neraca verify` can tell which one was changed; `row_hash_ok` is whether the row's own
 *   hash agreed with its fields when it was sealed.
 * * `chain_state`: the head, row `global` as in Blnk; sealers take it FOR UPDATE SKIP LOCKED.
 */
export class HashChain1733550000000 implements MigrationInterface {
  name = 'HashChain1733550000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE chain_state (
        chain_key TEXT PRIMARY KEY CHECK (chain_key = 'global'),
        last_seq BIGINT NOT NULL DEFAULT 0,
        head_hash CHAR(64) NOT NULL,
        genesis_hash CHAR(64) NOT NULL,
        genesis_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await q.query(`
      INSERT INTO chain_state (chain_key, last_seq, head_hash, genesis_hash)
      VALUES ('global', 0, repeat('0', 64), repeat('0', 64))`);
    await q.query(`
      CREATE TABLE transaction_chain (
        seq BIGINT PRIMARY KEY CHECK (seq > 0),
        transaction_id TEXT NOT NULL REFERENCES transactions (transaction_id),
        prev_hash CHAR(64) NOT NULL,
        chain_hash CHAR(64) NOT NULL,
        fields_hash CHAR(64) NOT NULL,
        field_digests BYTEA NOT NULL,
        row_hash_ok BOOLEAN NOT NULL,
        sealed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        CONSTRAINT transaction_chain_transaction_id_key UNIQUE (transaction_id)
      )`);
    await q.query(`
      CREATE FUNCTION transaction_chain_append_only() RETURNS trigger
      LANGUAGE plpgsql SET search_path = blnk AS $$
      BEGIN
        RAISE EXCEPTION 'the transaction chain is append-only';
      END $$`);
    await q.query(`
      CREATE TRIGGER transaction_chain_append_only BEFORE UPDATE OR DELETE ON transaction_chain
      FOR EACH ROW EXECUTE FUNCTION transaction_chain_append_only()`);

    await q.query(`CREATE TABLE transaction_chain_pending (id BIGINT PRIMARY KEY)`);
    await q.query(`
      CREATE FUNCTION transactions_chain_pending() RETURNS trigger
      LANGUAGE plpgsql SET search_path = blnk AS $$
      BEGIN
        INSERT INTO transaction_chain_pending (id) SELECT id FROM new_rows;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER transactions_chain_pending AFTER INSERT ON transactions
      REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION transactions_chain_pending()`);
    // Rows written before this release are sealed too, in id order, by the first rounds.
    await q.query(`INSERT INTO transaction_chain_pending (id) SELECT id FROM transactions`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER transactions_chain_pending ON transactions`);
    await q.query(`DROP FUNCTION transactions_chain_pending()`);
    await q.query(`DROP TABLE transaction_chain_pending`);
    await q.query(`DROP TABLE transaction_chain`);
    await q.query(`DROP FUNCTION transaction_chain_append_only()`);
    await q.query(`DROP TABLE chain_state`);
  }
}
