import { DataSource } from 'typeorm';
import { TypeOrmUnitOfWork } from '@libs/persistence/typeorm-unit-of-work';
import { BalanceBookPg } from '../../src/modules/balance/infrastructure/postgres/balance-book.pg';
import { BalancePgRepository } from '../../src/modules/balance/infrastructure/postgres/balance.pg-repository';
import { newBalance, newIndicatorBalance } from '../../src/modules/balance/domain/balance';
import { plainList } from '@libs/core/list-query';
import { BACKENDS, createTestDatabase, openDataSource, TestDatabase } from '../support/database';

describe.each(BACKENDS)('balance adapters on %s', (kind) => {
  let db: TestDatabase;
  let ds: DataSource;
  let uow: TypeOrmUnitOfWork;
  let repo: BalancePgRepository;
  let book: BalanceBookPg;
  const now = new Date('2026-01-01T00:00:00Z');

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    ds = await openDataSource(db);
    uow = new TypeOrmUnitOfWork(ds);
    repo = new BalancePgRepository(ds);
    book = new BalanceBookPg();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('round-trips a balance with big amounts exactly', async () => {
    const b = newBalance(
      { ledgerId: 'general_ledger_id', currency: 'USD', metaData: { n: 2n ** 70n } },
      'bln_rt',
      now,
    );
    await uow.run((tx) => repo.insert(tx, b));
    await uow.run(async (tx) => {
      const locked = await book.lockForUpdate(tx, ['bln_rt']);
      const x = locked.get('bln_rt')!;
      x.creditBalance = 2n ** 80n;
      x.balance = 2n ** 80n;
      await book.saveAmounts(tx, [x]);
    });
    const got = (await repo.findById('bln_rt'))!;
    expect(got.balance).toBe(2n ** 80n);
    expect(got.version).toBe(1);
    expect(got.metaData).toEqual({ n: 2n ** 70n });
  });

  it('maps constraint violations to domain errors', async () => {
    await expect(
      uow.run((tx) =>
        repo.insert(tx, newBalance({ ledgerId: 'ldg_missing', currency: 'USD' }, 'bln_x', now)),
      ),
    ).rejects.toMatchObject({ code: 'GEN_BAD_REQUEST' });
    await uow.run((tx) => repo.insert(tx, newIndicatorBalance('@Fees', 'USD', 'bln_fees', now)));
    await expect(
      uow.run((tx) => repo.insert(tx, newIndicatorBalance('@Fees', 'USD', 'bln_fees2', now))),
    ).rejects.toMatchObject({ code: 'GEN_CONFLICT' });
  });

  it('ensureIndicator returns the existing balance or creates exactly one', async () => {
    const ids = await Promise.all(
      [1, 2, 3].map((i) =>
        uow.run((tx) =>
          book.ensureIndicator(tx, newIndicatorBalance('@Pool', 'NGN', `bln_pool${i}`, now)),
        ),
      ),
    );
    expect(new Set(ids).size).toBe(1);
    const rows = await ds.query(
      `SELECT count(*)::int AS n FROM balances WHERE indicator = '@Pool'`,
    );
    expect(rows[0].n).toBe(1);
  });

  it('lockForUpdate returns only existing balances', async () => {
    const locked = await uow.run((tx) => book.lockForUpdate(tx, ['bln_fees', 'bln_nope']));
    expect([...locked.keys()]).toEqual(['bln_fees']);
  });

  // Row-lock behaviour needs two sessions, which only a PostgreSQL server has (PGlite is one).
  const pgOnly = kind === 'postgres' ? it : undefined;

  pgOnly?.('lockForUpdate blocks a second locker until the first commits', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = uow.run(async (tx) => {
      await book.lockForUpdate(tx, ['bln_fees']);
      order.push('first-locked');
      await held;
      order.push('first-done');
    });
    await new Promise((r) => setTimeout(r, 50));
    const second = uow.run(async (tx) => {
      await book.lockForUpdate(tx, ['bln_fees']);
      order.push('second-locked');
    });
    await new Promise((r) => setTimeout(r, 100));
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first-locked', 'first-done', 'second-locked']);
  });

  pgOnly?.(
    'the balance lock does not block inserting a row that references the balance',
    async () => {
      // FOR NO KEY UPDATE, not FOR UPDATE: a QUEUED row accepted while a worker holds its balance
      // must not wait for (or deadlock with) that worker.
      await ds.query(
        `INSERT INTO balances (balance_id, ledger_id, currency)
         VALUES ('bln_fk1', 'general_ledger_id', 'USD'), ('bln_fk2', 'general_ledger_id', 'USD')`,
      );
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      const holder = uow.run(async (tx) => {
        await book.lockForUpdate(tx, ['bln_fk1']);
        locked();
        await held;
      });
      await isLocked;
      const insert = ds.query(
        `INSERT INTO transactions (transaction_id, source, destination, reference, amount, precise_amount, currency, status, hash)
       VALUES ('txn_fk', 'bln_fk1', 'bln_fk2', 'fk-1', 1, 1, 'USD', 'QUEUED', 'h')`,
      );
      const outcome = await Promise.race([
        insert.then(() => 'inserted'),
        new Promise((r) => setTimeout(() => r('blocked'), 2000)),
      ]);
      release();
      await Promise.all([holder, insert]);
      expect(outcome).toBe('inserted');
    },
  );

  it('sets an identity and merges metadata', async () => {
    await ds.query(`INSERT INTO identity (identity_id, first_name) VALUES ('idt_1', 'Ada')`);
    expect(await uow.run((tx) => repo.setIdentity(tx, 'bln_fees', 'idt_1'))).toBe(true);
    expect(await uow.run((tx) => repo.setIdentity(tx, 'bln_none', 'idt_1'))).toBe(false);
    await expect(
      uow.run((tx) => repo.setIdentity(tx, 'bln_fees', 'idt_none')),
    ).rejects.toMatchObject({
      code: 'BAL_NOT_FOUND',
    });
    expect(await uow.run((tx) => repo.mergeMetaData(tx, 'bln_fees', { a: 1 }))).toEqual({ a: 1 });
    expect(await uow.run((tx) => repo.mergeMetaData(tx, 'bln_fees', { b: 2 }))).toEqual({
      a: 1,
      b: 2,
    });
    const page = await repo.list({ ...plainList(10, 0), includeCount: true });
    expect(page.totalCount).toBeGreaterThanOrEqual(3);
  });
});
