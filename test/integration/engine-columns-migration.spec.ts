import { DataSource } from 'typeorm';
import { createDataSource } from '@libs/persistence/data-source';
import { migrateUp } from '@libs/persistence/migrate';
import { MIGRATIONS } from '../../migrations';
import { EngineColumns1732838400000 } from '../../migrations/1732838400000-engine-columns';
import { BACKENDS, createTestDatabase, TestDatabase } from '../support/database';

/**
 * Rows written by the engine before issue 10 kept their flags and links in meta_data. Migrating
 * moves them into the engine columns, strips them from meta_data, and claims the references.
 */
describe.each(BACKENDS)('migrating existing rows into the engine columns on %s', (kind) => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase(kind, { migrate: false });
    const old = new DataSource({
      type: 'postgres',
      url: db.dsn,
      migrations: MIGRATIONS.slice(0, MIGRATIONS.indexOf(EngineColumns1732838400000)),
      migrationsTableName: 'neraca_migrations',
      migrationsTransactionMode: 'each',
      logging: false,
      extra: { max: 1 },
    });
    await old.initialize();
    await old.runMigrations({ transaction: 'each' });
    await old.query(`
      INSERT INTO balances (balance_id, ledger_id, currency)
        VALUES ('bln_a', 'general_ledger_id', 'USD'), ('bln_b', 'general_ledger_id', 'USD')`);
    const row = (id: string, ref: string, status: string, parent: string, meta: object | null) =>
      old.query(
        `INSERT INTO transactions (transaction_id, parent_transaction, source, destination, reference,
           amount, precise_amount, currency, status, hash, meta_data)
         VALUES ($1, $2, 'bln_a', 'bln_b', $3, 1, 100, 'USD', $4, 'h', $5)`,
        [id, parent, ref, status, meta === null ? null : JSON.stringify(meta)],
      );
    // A queued hold with overdraft, its outcome, a commit of it, and a refund of the commit.
    await row('txn_q', 'q', 'QUEUED', '', {
      inflight: true,
      allow_overdraft: true,
      QUEUED_PARENT_TRANSACTION: 'txn_q',
      mine: 1,
    });
    await row('txn_o', 'q_q', 'INFLIGHT', 'txn_q', {
      inflight: true,
      allow_overdraft: true,
      QUEUED_PARENT_TRANSACTION: 'txn_q',
      mine: 1,
    });
    await row('txn_c', 'txn_o_commit_act', 'APPLIED', 'txn_o', {
      QUEUED_PARENT_TRANSACTION: 'txn_q',
    });
    await row('txn_r', 'txn_c_refund', 'APPLIED', 'txn_c', { allow_overdraft: true });
    // A bulk item and a rejected outcome.
    await row('txn_b', 'b', 'APPLIED', 'bulk_1', { sequence: 2, atomic: true });
    await row('txn_x', 'x', 'QUEUED', '', { QUEUED_PARENT_TRANSACTION: 'txn_x' });
    await row('txn_xo', 'x_q', 'REJECTED', 'txn_x', {
      QUEUED_PARENT_TRANSACTION: 'txn_x',
      blnk_rejection_reason: 'insufficient funds',
    });
    await old.destroy();
    ds = createDataSource({ dsn: db.dsn, poolSize: 1, exclusive: db.kind === 'pglite' });
    await ds.initialize();
    await migrateUp(ds);
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  const get = async (id: string) =>
    (
      await ds.query(
        `SELECT allow_overdraft, inflight, atomic, queued_parent, outcome_of, refund_of, settles,
                batch_id, sequence, rejection_reason, meta_data
         FROM transactions WHERE transaction_id = $1`,
        [id],
      )
    )[0];

  it('moves flags and links into columns and leaves the client its own keys', async () => {
    expect(await get('txn_q')).toMatchObject({
      allow_overdraft: true,
      inflight: true,
      queued_parent: 'txn_q',
      outcome_of: null,
      meta_data: { mine: 1 },
    });
    expect(await get('txn_o')).toMatchObject({
      inflight: true,
      outcome_of: 'txn_q',
      settles: null,
      meta_data: { mine: 1 },
    });
    expect(await get('txn_c')).toMatchObject({
      settles: 'txn_o',
      refund_of: null,
      meta_data: null,
    });
    expect(await get('txn_r')).toMatchObject({
      refund_of: 'txn_c',
      allow_overdraft: true,
      meta_data: null,
    });
    expect(await get('txn_b')).toMatchObject({
      batch_id: 'bulk_1',
      sequence: 2,
      atomic: true,
      meta_data: null,
    });
    expect(await get('txn_xo')).toMatchObject({
      outcome_of: 'txn_x',
      rejection_reason: 'insufficient funds',
      meta_data: null,
    });
  });

  it('claims every reference, and `_q` for the queued rows', async () => {
    const claims: { reference: string }[] = await ds.query(
      `SELECT reference FROM reference_claims ORDER BY 1`,
    );
    expect(claims.map((c) => c.reference)).toEqual(
      ['b', 'q', 'q_q', 'txn_c_refund', 'txn_o_commit_act', 'x', 'x_q'].sort(),
    );
  });
});
