import { DataSource } from 'typeorm';
import { TypeOrmUnitOfWork } from '@libs/persistence/typeorm-unit-of-work';
import type { Balance } from '../../src/modules/balance/domain/balance';
import { BalanceBookPg } from '../../src/modules/balance/infrastructure/postgres/balance-book.pg';
import { BalancePgRepository } from '../../src/modules/balance/infrastructure/postgres/balance.pg-repository';
import { QueuedWorkPgRepository } from '../../src/modules/transaction/infrastructure/postgres/queued-work.pg-repository';
import { TransactionPgRepository } from '../../src/modules/transaction/infrastructure/postgres/transaction.pg-repository';
import { describeBalanceBookContract } from '../support/contracts/balance-book.contract';
import { usd } from '../support/contracts/fixtures';
import { describeQueuedWorkContract } from '../support/contracts/queued-work.contract';
import { describeTransactionRepositoryContract } from '../support/contracts/transaction-repository.contract';
import { BACKENDS, createTestDatabase, openDataSource, TestDatabase } from '../support/database';
import {
  MemoryBalanceBook,
  MemoryQueuedWork,
  MemoryStore,
  MemoryTransactionRepository,
  MemoryUnitOfWork,
} from '../support/fakes/in-memory';

/*
 * One contract per persistence port, run against its Postgres adapter on every backend and
 * against the in-memory fake the unit tests use, so the fake cannot drift from the adapter.
 */

describe.each(BACKENDS)('Postgres adapters on %s', (kind) => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    ds = await openDataSource(db);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  /** An empty store, and new adapters (nothing cached from an earlier case). */
  const fresh = async () => {
    await ds.query(
      `TRUNCATE transactions, queued_work, reference_claims, engine_settings, balances RESTART IDENTITY CASCADE`,
    );
    const uow = new TypeOrmUnitOfWork(ds);
    const balances = new BalancePgRepository(ds);
    const seed = (bs: Balance[]) =>
      uow.run(async (tx) => {
        for (const b of bs) await balances.insert(tx, b);
      });
    return { uow, seed, seedBalances: (ids: string[]) => seed(ids.map((id) => usd(id))) };
  };

  describeTransactionRepositoryContract('TransactionPgRepository', async () => ({
    ...(await fresh()),
    repo: new TransactionPgRepository(ds),
  }));
  describeQueuedWorkContract('QueuedWorkPgRepository', async () => ({
    ...(await fresh()),
    work: new QueuedWorkPgRepository(ds),
    transactions: new TransactionPgRepository(ds),
  }));
  describeBalanceBookContract('BalanceBookPg', async () => ({
    ...(await fresh()),
    book: new BalanceBookPg(),
  }));
});

describe('in-memory fakes', () => {
  const fresh = () => {
    const store = new MemoryStore();
    const seed = async (bs: Balance[]) => {
      for (const b of bs) store.balances.set(b.balanceId, { ...b });
    };
    return {
      store,
      uow: new MemoryUnitOfWork(store),
      seed,
      seedBalances: (ids: string[]) => seed(ids.map((id) => usd(id))),
    };
  };

  describeTransactionRepositoryContract('MemoryTransactionRepository', async () => {
    const f = fresh();
    return { ...f, repo: new MemoryTransactionRepository(f.store) };
  });
  describeQueuedWorkContract('MemoryQueuedWork', async () => {
    const f = fresh();
    return {
      ...f,
      work: new MemoryQueuedWork(f.store),
      transactions: new MemoryTransactionRepository(f.store),
    };
  });
  describeBalanceBookContract('MemoryBalanceBook', async () => {
    const f = fresh();
    return { ...f, book: new MemoryBalanceBook(f.store) };
  });
});
