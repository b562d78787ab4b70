import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The transactional outbox (issue 13): every state change that has an event leaves a row in
 * `event_outbox` in the database transaction that makes it, written by statement triggers on the
 * tables themselves, so no write path (single, group-committed batch, drain, bulk, refund, an
 * `@indicator` balance created on first use) can skip it, and a change that rolls back leaves no
 * event. The row keeps a snapshot of the entity as written (`to_jsonb`), so the payload is the
 * entity at the time of the change whatever happens to it later.
 *
 * * transactions: one event per row, named by its status (`transaction.queued`, `.scheduled`,
 *   `.applied`, `.inflight`, `.void`, `.rejected`): the QUEUED row and its outcome are two rows,
 *   two events; a REJECTED outcome is one row, one event.
 * * ledgers: `ledger.created`; a rename is `ledger.updated` (Blnk sends `ledger.created` again).
 * * balances: `balance.created` (including `@indicator` balances created on first use).
 * * identity: `identity.created`, with the id only: the identity is read when the event is
 *   delivered, so no copy of its PII outlives tokenization in the outbox.
 *
 * The relay delivers pending rows after commit (`status`, `attempts`, `next_attempt_at`,
 * `lease_until` while one process is delivering it) and prunes delivered ones after a retention.
 */
export class EventOutbox1733270400000 implements MigrationInterface {
  name = 'EventOutbox1733270400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE event_outbox (
        seq BIGSERIAL PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE DEFAULT ('evt_' || gen_random_uuid()),
        event TEXT NOT NULL,
        entity TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        snapshot JSONB NOT NULL,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        status TEXT NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'delivered', 'failed', 'skipped')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        lease_until TIMESTAMPTZ,
        last_error TEXT,
        last_status INTEGER,
        delivered_at TIMESTAMPTZ
      )`);
    await q.query(
      `CREATE INDEX event_outbox_due_idx ON event_outbox (next_attempt_at, seq) WHERE status = 'pending'`,
    );
    await q.query(`CREATE INDEX event_outbox_status_idx ON event_outbox (status, seq)`);
    for (const [table, fn, select] of [
      [
        'transactions',
        'outbox_transactions',
        `SELECT 'transaction.' || lower(status), 'transaction', transaction_id, to_jsonb(n) FROM new_rows n`,
      ],
      [
        'ledgers',
        'outbox_ledgers',
        `SELECT 'ledger.created', 'ledger', ledger_id, to_jsonb(n) FROM new_rows n`,
      ],
      [
        'balances',
        'outbox_balances',
        `SELECT 'balance.created', 'balance', balance_id, to_jsonb(n) FROM new_rows n`,
      ],
      [
        'identity',
        'outbox_identity',
        // No snapshot of an identity: the outbox must not keep a copy of PII that tokenization
        // (or deletion) removes from the identity itself. The payload is read at delivery.
        `SELECT 'identity.created', 'identity', identity_id, jsonb_build_object('identity_id', identity_id) FROM new_rows n`,
      ],
    ]) {
      await q.query(`
        CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql SET search_path = blnk AS $$
        BEGIN
          INSERT INTO event_outbox (event, entity, entity_id, snapshot) ${select};
          RETURN NULL;
        END $$`);
      await q.query(`
        CREATE TRIGGER ${fn} AFTER INSERT ON ${table}
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
    }
    // A rename: the ledger as it is after it (only when the name changed).
    await q.query(`
      CREATE FUNCTION outbox_ledger_renamed() RETURNS trigger LANGUAGE plpgsql SET search_path = blnk AS $$
      BEGIN
        INSERT INTO event_outbox (event, entity, entity_id, snapshot)
          SELECT 'ledger.updated', 'ledger', n.ledger_id, to_jsonb(n)
          FROM new_rows n JOIN old_rows o ON o.ledger_id = n.ledger_id
          WHERE o.name IS DISTINCT FROM n.name;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER outbox_ledger_renamed AFTER UPDATE ON ledgers
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION outbox_ledger_renamed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER outbox_ledger_renamed ON ledgers`);
    await q.query(`DROP FUNCTION outbox_ledger_renamed()`);
    for (const [table, fn] of [
      ['transactions', 'outbox_transactions'],
      ['ledgers', 'outbox_ledgers'],
      ['balances', 'outbox_balances'],
      ['identity', 'outbox_identity'],
    ]) {
      await q.query(`DROP TRIGGER ${fn} ON ${table}`);
      await q.query(`DROP FUNCTION ${fn}()`);
    }
    await q.query(`DROP TABLE event_outbox`);
  }
}
