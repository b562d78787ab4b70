import { PostingSessions } from '../../../src/modules/transaction/application/posting-session';
import { BalancePostingService } from '../../../src/modules/balance/application/balance-posting.service';
import { newBalance } from '../../../src/modules/balance/domain/balance';
import { BulkTransactionsUseCase } from '../../../src/modules/transaction/application/pipeline/bulk-transactions.use-case';
import { DrainLaneUseCase } from '../../../src/modules/transaction/application/queued/drain-lane.use-case';
import { QueueSettings } from '../../../src/modules/transaction/application/queued/queue-settings';
import { QueueTransactionUseCase } from '../../../src/modules/transaction/application/pipeline/queue-transaction.use-case';
import { RecordTransactionUseCase } from '../../../src/modules/transaction/application/pipeline/record-transaction.use-case';
import { RefundTransactionUseCase } from '../../../src/modules/transaction/application/pipeline/refund-transaction.use-case';
import { UpdateInflightUseCase } from '../../../src/modules/transaction/application/pipeline/update-inflight.use-case';
import { LaneEngine } from '../../../src/modules/transaction/application/queued/lane-engine';
import {
  FixedClock,
  MemoryBalanceBook,
  MemoryQueuedWork,
  MemoryStore,
  MemoryTransactionRepository,
  MemoryUnitOfWork,
  RecordingWorkQueue,
  SequentialIds,
} from './in-memory';

/** The tuning of the queued engine, by field; what is left out keeps `QueueSettings`' default. */
export type SettingsInput = Partial<
  Pick<
    QueueSettings,
    'lanes' | 'batchSize' | 'maxPending' | 'sweepIntervalMs' | 'queuedChecks' | 'maxAttempts'
  >
>;

export interface WorldOptions<W extends MemoryQueuedWork, T extends MemoryTransactionRepository> {
  settings?: SettingsInput;
  /** The work list; by default one over the world's store, dated by its clock. */
  work?: (store: MemoryStore, clock: FixedClock) => W;
  /** The transaction rows; by default a plain `MemoryTransactionRepository` over the store. */
  transactions?: (store: MemoryStore) => T;
  /** USD balances of ledger `ldg_1` to open at once, with the funds each holds. */
  balances?: Record<string, bigint>;
}

/**
 * The transaction use cases over the in-memory fakes, wired as the composition root wires them
 * over Postgres: one store, one unit of work, sequential ids and a fixed clock. The use cases are
 * built when first read, and once.
 */
export function fakeWorld<
  W extends MemoryQueuedWork = MemoryQueuedWork,
  T extends MemoryTransactionRepository = MemoryTransactionRepository,
>(opts: WorldOptions<W, T> = {}) {
  const s = opts.settings ?? {};
  const store = new MemoryStore();
  const ids = new SequentialIds();
  const clock = new FixedClock();
  const work: W = opts.work ? opts.work(store, clock) : (new MemoryQueuedWork(store, clock) as W);
  const queue = new RecordingWorkQueue();
  const uow = new MemoryUnitOfWork(store);
  const settings = new QueueSettings(
    s.lanes,
    s.batchSize,
    s.maxPending,
    s.sweepIntervalMs,
    s.queuedChecks,
    s.maxAttempts,
  );
  const balances = new BalancePostingService(new MemoryBalanceBook(store), ids, clock);
  const transactions: T = opts.transactions
    ? opts.transactions(store)
    : (new MemoryTransactionRepository(store) as T);
  const sessions = new PostingSessions(balances, transactions);

  const once = <U>(build: () => U) => {
    let built: U | undefined;
    return () => (built ??= build());
  };
  const engine = new LaneEngine(work, queue, settings, ids, clock);
  const record = once(() => new RecordTransactionUseCase(uow, sessions, engine, ids, clock));
  const queued = once(
    () => new QueueTransactionUseCase(uow, balances, transactions, engine, record(), clock),
  );
  const bulk = once(
    () => new BulkTransactionsUseCase(uow, sessions, transactions, record(), queued(), engine, ids),
  );
  const inflight = once(
    () => new UpdateInflightUseCase(uow, sessions, transactions, engine, ids, clock),
  );
  const refunds = once(
    () => new RefundTransactionUseCase(uow, sessions, transactions, engine, ids, clock),
  );
  const drain = once(
    () =>
      new DrainLaneUseCase(
        uow,
        sessions,
        transactions,
        work,
        settings,
        inflight(),
        queue,
        ids,
        clock,
      ),
  );

  /** Opens a balance of ledger `ldg_1` holding `funds` (credited, so the amounts add up). */
  const add = (id: string, funds = 0n, currency = 'USD') => {
    const b = newBalance({ ledgerId: 'ldg_1', currency }, id, clock.now());
    store.balances.set(id, { ...b, creditBalance: funds, balance: funds });
  };
  for (const [id, funds] of Object.entries(opts.balances ?? {})) add(id, funds);

  return {
    store,
    ids,
    clock,
    work,
    queue,
    engine,
    uow,
    settings,
    balances,
    transactions,
    add,
    /** A balance's `balance` now. */
    balance: (id: string) => store.balances.get(id)!.balance,
    get record() {
      return record();
    },
    get queued() {
      return queued();
    },
    get bulk() {
      return bulk();
    },
    get inflight() {
      return inflight();
    },
    get refunds() {
      return refunds();
    },
    get drain() {
      return drain();
    },
  };
}

export type FakeWorld = ReturnType<typeof fakeWorld>;
