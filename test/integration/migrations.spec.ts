import { createTestDatabase, openDataSource, TestDatabase } from '../support/database';
import { DataSource } from 'typeorm';

describe('migrations', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await openDataSource(db);
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('seeds the general ledger', async () => {
    const rows = await ds.query(`SELECT ledger_id, name FROM ledgers`);
    expect(rows).toEqual([{ ledger_id: 'general_ledger_id', name: 'General Ledger' }]);
  });

  it('goes all the way down and up again cleanly', async () => {
    // Down through every later migration to the queued-work one, then the rest of the way.
    while ((await ds.query(`SELECT to_regclass('public.queued_work') AS t`))[0].t) {
      await ds.undoLastMigration();
    }
    expect((await ds.query(`SELECT to_regclass('public.api_keys') AS t`))[0].t).toBeNull();
    await ds.undoLastMigration();
    expect((await ds.query(`SELECT to_regclass('public.transactions') AS t`))[0].t).toBeNull();
    await ds.runMigrations();
    expect((await ds.query(`SELECT to_regclass('public.transactions') AS t`))[0].t).toBe(
      'transactions',
    );
    expect((await ds.query(`SELECT to_regclass('public.queued_work') AS t`))[0].t).toBe(
      'queued_work',
    );
    expect((await ds.query(`SELECT to_regclass('public.api_keys') AS t`))[0].t).toBe('api_keys');
  });

  it('refuses to rewrite or delete a transaction row', async () => {
    await ds.query(
      `INSERT INTO balances (balance_id, ledger_id, currency) VALUES ('bln_a','general_ledger_id','USD'),('bln_b','general_ledger_id','USD')`,
    );
    await ds.query(
      `INSERT INTO transactions (transaction_id, source, destination, reference, amount, precise_amount, currency, status, hash)
       VALUES ('txn_1','bln_a','bln_b','r1',1,100,'USD','APPLIED','h')`,
    );
    await expect(
      ds.query(`UPDATE transactions SET precise_amount = 5 WHERE transaction_id='txn_1'`),
    ).rejects.toThrow(/Cannot modify transaction data/);
    await expect(ds.query(`DELETE FROM transactions WHERE transaction_id='txn_1'`)).rejects.toThrow(
      /append-only/,
    );
    await ds.query(`UPDATE transactions SET meta_data = '{"k":1}' WHERE transaction_id='txn_1'`);
    const [row] = await ds.query(`SELECT meta_data FROM transactions WHERE transaction_id='txn_1'`);
    expect(row.meta_data).toEqual({ k: 1 });
  });
});
