import { Clock } from '@libs/core/clock';
import { IdGenerator, IdPrefix } from '@libs/core/ids';
import type { ListQuery, Page } from '@libs/core/list-query';
import { Tx, UnitOfWork } from '@libs/core/unit-of-work';
import { BalanceBook } from '../../../src/modules/balance/application/ports/balance-book';
import type { Balance } from '../../../src/modules/balance/domain/balance';
import { TransactionRepository } from '../../../src/modules/transaction/application/ports/transaction.repository';
import {
  NewWorkItem,
  DueWork,
  QueuedWorkRepository,
} from '../../../src/modules/transaction/application/ports/queued-work.repository';
import { WorkQueue } from '../../../src/modules/transaction/application/ports/work-queue';
import type { MetaData, Transaction } from '../../../src/modules/transaction/domain/transaction';
import { duplicateReference } from '../../../src/modules/transaction/domain/transaction.errors';

/** In-memory state shared by the fakes; a unit of work snapshots it and restores it on failure. */
export class MemoryStore {
  balances = new Map<string, Balance>();
  transactions: Transaction[] = [];
}

const clone = (b: Balance): Balance => ({ ...b });

export class MemoryUnitOfWork extends UnitOfWork {
  constructor(private readonly store: MemoryStore) {
    super();
  }

  async run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const balances = new Map([...this.store.balances].map(([k, v]) => [k, clone(v)]));
    const transactions = [...this.store.transactions];
    try {
      return await work({} as Tx);
    } catch (e) {
      this.store.balances = balances;
      this.store.transactions = transactions;
      throw e;
    }
  }
}

export class MemoryBalanceBook extends BalanceBook {
  constructor(private readonly store: MemoryStore) {
    super();
  }

  async lockForUpdate(_tx: Tx, ids: string[]): Promise<Map<string, Balance>> {
    const out = new Map<string, Balance>();
    for (const id of ids) {
      const b = this.store.balances.get(id);
      if (b) out.set(id, clone(b));
    }
    return out;
  }

  async ensureIndicator(_tx: Tx, candidate: Balance): Promise<string> {
    for (const b of this.store.balances.values()) {
      if (b.indicator === candidate.indicator && b.currency === candidate.currency)
        return b.balanceId;
    }
    this.store.balances.set(candidate.balanceId, clone(candidate));
    return candidate.balanceId;
  }

  async currencies(_tx: Tx, ids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const id of ids) {
      const b = this.store.balances.get(id);
      if (b) out.set(id, b.currency);
    }
    return out;
  }

  async saveAmounts(_tx: Tx, balances: Balance[], bumps?: number[]): Promise<void> {
    balances.forEach((b, i) => {
      const stored = this.store.balances.get(b.balanceId)!;
      this.store.balances.set(b.balanceId, {
        ...clone(b),
        version: stored.version + (bumps?.[i] ?? 1),
      });
    });
  }
}

export class MemoryTransactionRepository extends TransactionRepository {
  constructor(private readonly store: MemoryStore) {
    super();
  }

  async insert(_tx: Tx, rows: Transaction[]): Promise<void> {
    for (const r of rows) {
      if (this.store.transactions.some((t) => t.reference === r.reference))
        throw duplicateReference(r.reference);
      this.store.transactions.push({ ...r });
    }
  }

  async findById(id: string): Promise<Transaction | null> {
    return this.store.transactions.find((t) => t.transactionId === id) ?? null;
  }

  async findByReference(reference: string): Promise<Transaction | null> {
    return this.store.transactions.find((t) => t.reference === reference) ?? null;
  }

  async list(q: ListQuery): Promise<Page<Transaction>> {
    return { items: this.store.transactions.slice(q.offset, q.offset + q.limit) };
  }

  async existingReferences(_tx: Tx, references: string[]): Promise<Set<string>> {
    const taken = this.store.transactions.flatMap((t) =>
      t.status === 'QUEUED' || t.status === 'SCHEDULED'
        ? [t.reference, `${t.reference}_q`]
        : [t.reference],
    );
    return new Set(taken.filter((r) => references.includes(r)));
  }

  async lockInflight(_tx: Tx, id: string): Promise<Transaction[]> {
    return this.store.transactions.filter(
      (t) =>
        t.status === 'INFLIGHT' &&
        (t.transactionId === id || t.parentTransaction === id || t.queuedParent === id),
    );
  }

  async holdStates(
    _tx: Tx,
    holdIds: string[],
  ): Promise<Map<string, { committed: bigint; voided: boolean }>> {
    const out = new Map<string, { committed: bigint; voided: boolean }>();
    for (const id of holdIds) {
      const children = this.store.transactions.filter((t) => t.settles === id);
      out.set(id, {
        committed: children
          .filter((c) => c.status === 'APPLIED')
          .reduce((s, c) => s + c.preciseAmount, 0n),
        voided: children.some((c) => c.status === 'VOID'),
      });
    }
    return out;
  }

  async lockRefundable(_tx: Tx, id: string): Promise<Transaction[]> {
    return this.store.transactions
      .filter(
        (t) =>
          t.status === 'APPLIED' &&
          t.refundOf === null &&
          (t.transactionId === id || t.parentTransaction === id || t.queuedParent === id),
      )
      .sort((a, b) => (a.transactionId < b.transactionId ? -1 : 1));
  }

  async refunded(_tx: Tx, ids: string[]): Promise<Set<string>> {
    return new Set(
      this.store.transactions
        .filter((t) => t.refundOf !== null && t.outcomeOf === null && ids.includes(t.refundOf))
        .map((t) => t.refundOf!),
    );
  }

  async findFamilyMember(id: string): Promise<Transaction | null> {
    return this.family(id)[0] ?? null;
  }

  private family(id: string): Transaction[] {
    return this.store.transactions
      .filter((t) => t.transactionId === id || t.parentTransaction === id)
      .sort((a, b) =>
        a.transactionId === id
          ? -1
          : b.transactionId === id
            ? 1
            : a.transactionId < b.transactionId
              ? -1
              : 1,
      );
  }

  async mergeMetaData(_tx: Tx, id: string, patch: MetaData): Promise<number> {
    let n = 0;
    for (const t of this.store.transactions) {
      if (t.transactionId === id || t.parentTransaction === id) {
        t.metaData = { ...(t.metaData ?? {}), ...patch };
        n++;
      }
    }
    return n;
  }
}

export class SequentialIds extends IdGenerator {
  private n = 0;
  next(prefix: IdPrefix): string {
    this.n++;
    return `${prefix}_00000000-0000-4000-8000-${this.n.toString().padStart(12, '0')}`;
  }
}

export class FixedClock extends Clock {
  constructor(public current = new Date('2026-01-01T00:00:00Z')) {
    super();
  }
  now(): Date {
    return new Date(this.current);
  }
}

/** The work list in memory: enough for use cases that write work items. */
export class MemoryQueuedWork extends QueuedWorkRepository {
  items: NewWorkItem[] = [];
  async insert(_tx: Tx, items: NewWorkItem[]): Promise<void> {
    this.items.push(...items);
  }
  async lockLane(): Promise<void> {}
  async lockKey(): Promise<void> {}
  async takeDue(): Promise<DueWork> {
    return { items: [], more: false, blocked: false };
  }
  async groupItems(): Promise<never[]> {
    return [];
  }
  async recordFailure(): Promise<number> {
    return 0;
  }
  async queuedAmounts(): Promise<{ debit: bigint; credit: bigint }> {
    return { debit: 0n, credit: 0n };
  }
  async claimLaneCount(): Promise<void> {}
  async postpone(_tx: Tx, workId: string, runAt: Date): Promise<void> {
    const i = this.items.find((x) => x.workId === workId);
    if (i) i.runAt = runAt;
  }
  async remove(_tx: Tx, workIds: string[]): Promise<void> {
    this.items = this.items.filter((i) => !workIds.includes(i.workId));
  }
  async pendingAction(_tx: Tx, id: string): Promise<boolean> {
    return this.items.some(
      (i) => i.transactionId === id && i.kind !== 'transaction' && !i.options.scheduled,
    );
  }
  async pendingTransaction(_tx: Tx, id: string): Promise<boolean> {
    return this.items.some(
      (i) => i.kind === 'transaction' && (i.transactionId === id || i.groupId === id),
    );
  }
  async dueLanes(): Promise<{ lane: number; count: number }[]> {
    return [];
  }
  async pendingCount(): Promise<number> {
    return this.items.length;
  }
  async queuedDebits(): Promise<Map<string, bigint>> {
    return new Map();
  }
}

/** Signals recorded, never delivered. */
export class RecordingWorkQueue extends WorkQueue {
  signals: { lane: number; key: string; runAt?: Date }[] = [];
  async signal(lane: number, key: string, runAt?: Date): Promise<void> {
    this.signals.push({ lane, key, runAt });
  }
  async consume(): Promise<() => Promise<void>> {
    return async () => undefined;
  }
  async close(): Promise<void> {}
}
