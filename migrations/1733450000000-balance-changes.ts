import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Balance monitors are evaluated from the outbox (issue 13), never in the locked transaction: a
 * statement trigger records each committed change of a balance that has monitors as an internal
 * `balance.changed` event (entity `balance-change`, the row before and after the statement). The
 * relay evaluates the balance's monitors against it and writes a `balance.monitor` event for each
 * one whose condition became true, in one database transaction with marking the change done, so a
 * change is evaluated once whatever dies in between. Balances without monitors cost one index
 * probe per statement and write nothing.
 *
 * A statement that moves a balance several times (a drain batch applies many transfers to a hot
 * balance and writes it once) is one change: a condition true at neither end of it does not fire.
 */
export class BalanceChanges1733450000000 implements MigrationInterface {
  name = 'BalanceChanges1733450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION outbox_balance_changes() RETURNS trigger LANGUAGE plpgsql SET search_path = blnk AS $$
      BEGIN
        INSERT INTO event_outbox (event, entity, entity_id, snapshot)
          SELECT 'balance.changed', 'balance-change', n.balance_id,
                 jsonb_build_object('before', to_jsonb(o), 'after', to_jsonb(n))
          FROM new_rows n JOIN old_rows o ON o.balance_id = n.balance_id
          WHERE (o.balance, o.credit_balance, o.debit_balance, o.inflight_balance,
                 o.inflight_credit_balance, o.inflight_debit_balance)
                IS DISTINCT FROM
                (n.balance, n.credit_balance, n.debit_balance, n.inflight_balance,
                 n.inflight_credit_balance, n.inflight_debit_balance)
            AND EXISTS (SELECT 1 FROM balance_monitors m WHERE m.balance_id = n.balance_id);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER outbox_balance_changes AFTER UPDATE ON balances
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION outbox_balance_changes()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER outbox_balance_changes ON balances`);
    await q.query(`DROP FUNCTION outbox_balance_changes()`);
    await q.query(`DELETE FROM event_outbox WHERE entity = 'balance-change'`);
  }
}
