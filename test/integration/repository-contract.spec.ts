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
    // Every table rows of the store feed (the chain's pending list, lineage, snapshots, the
    // outbox, search's queue...) is emptied too: transaction ids restart at 1.
    const [{ tables }]: { tables: string }[] = await ds.query(
      `SELECT string_agg(quote_ident(tablename), ', ') AS tables FROM pg_tables
       WHERE schemaname = 'blnk'
         AND tablename NOT IN ('neraca_migrations', 'ledgers', 'chain_state', 'search_feed')`,
    );
    await ds.query(`TRUNCATE ${tables} RESTART IDENTITY CASCADE`);
    await ds.query(`UPDATE chain_state SET last_seq = 0, head_hash = genesis_hash`);
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
