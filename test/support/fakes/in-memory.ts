import { Clock, SystemClock } from '@libs/core/clock';
import { IdGenerator, IdPrefix } from '@libs/core/ids';
import type { ListQuery, Page } from '@libs/core/list-query';
import { Tx, UnitOfWork } from '@libs/core/unit-of-work';
import { BalanceBook } from '../../../src/modules/balance/application/ports/balance-book';
import type { Balance } from '../../../src/modules/balance/domain/balance';
import { TransactionRepository } from '../../../src/modules/transaction/application/ports/transaction.repository';
import {
  NewWorkItem,
  DueWork,
  QueuedWorkItem,
  QueuedWorkRepository,
  TrackedBatch,
} from '../../../src/modules/transaction/application/queued/ports/queued-work.repository';
import { WorkQueue } from '../../../src/modules/transaction/application/queued/ports/work-queue';
import type { MetaData, Transaction } from '../../../src/modules/transaction/domain/transaction';
import {
  alreadyRefunded,
  duplicateReference,
} from '../../../src/modules/transaction/domain/transaction.errors';

/*
 * Fakes of the persistence ports, held to the same contract suites as the Postgres adapters
 * (test/support/contracts, run by test/integration/repository-contract.spec.ts): where an adapter
 * relies on a constraint, an index or a join, the fake does the same check by hand.
 */

/** A work item as the fake keeps it: what was inserted, plus the columns the table adds. */
export interface StoredWorkItem extends NewWorkItem {
  /** `queued_work.seq`: acceptance order across all lanes. */
  seq: number;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
}

/**
 * In-memory state shared by the fakes, standing for the database: balances, transaction rows, the
 * work list and the engine settings. A unit of work snapshots it and restores it on failure.
 * Reference claims are not kept apart: rows are never changed or removed, so the claims are
 * derived from them, as the claims trigger derives them.
 */
export class MemoryStore {
  balances = new Map<string, Balance>();
  transactions: Transaction[] = [];
  work: StoredWorkItem[] = [];
  settings = new Map<string, string>();
  /** References claimed without a row of their own (a split's own reference). */
  claims: string[] = [];
  /** Tracked bulk batches (`bulk_batches`) and whether each has finished. */
  batches: { batch: TrackedBatch; finished: boolean }[] = [];
  /** The last `seq` handed out; like a database sequence, never rolled back. */
  seq = 0;
}

const clone = (b: Balance): Balance => ({ ...b });
const copyRow = (t: Transaction): Transaction => ({
  ...t,
  metaData: t.metaData === null ? null : { ...t.metaData },
});
const copyWork = (w: StoredWorkItem): StoredWorkItem => ({ ...w, options: { ...w.options } });
const byId = (a: { transactionId: string }, b: { transactionId: string }) =>
  a.transactionId < b.transactionId ? -1 : a.transactionId > b.transactionId ? 1 : 0;

export class MemoryUnitOfWork extends UnitOfWork {
  constructor(private readonly store: MemoryStore) {
    super();
  }

  async run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const s = this.store;
    const balances = new Map([...s.balances].map(([k, v]) => [k, clone(v)]));
    const transactions = s.transactions.map(copyRow);
    const items = s.work.map(copyWork);
    const settings = new Map(s.settings);
    const claims = [...s.claims];
    const batches = s.batches.map((b) => ({ ...b }));
    try {
      return await work({} as Tx);
    } catch (e) {
      s.balances = balances;
      s.transactions = transactions;
      s.work = items;
      s.settings = settings;
      s.claims = claims;
      s.batches = batches;
      throw e;
    }
  }
}

/** `balances_derived_fields`: what the table's CHECK constraint refuses. */
function derivedFieldsHold(b: Balance): boolean {
  return (
    b.balance === b.creditBalance - b.debitBalance &&
    b.inflightBalance === b.inflightCreditBalance - b.inflightDebitBalance &&
    b.creditBalance >= 0n &&
    b.debitBalance >= 0n &&
    b.inflightCreditBalance >= 0n &&
    b.inflightDebitBalance >= 0n
  );
}

export class MemoryBalanceBook extends BalanceBook {
  constructor(private readonly store: MemoryStore) {
    super();
  }

  async lockForUpdate(_tx: Tx, ids: string[]): Promise<Map<string, Balance>> {
    const out = new Map<string, Balance>();
    for (const id of [...new Set(ids)].sort()) {
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
    // One UPDATE: refused as a whole if any row breaks the CHECK; unknown ids match no row.
    const bad = balances.find((b) => this.store.balances.has(b.balanceId) && !derivedFieldsHold(b));
    if (bad) {
      throw new Error(
        `new row for relation "balances" violates check constraint "balances_derived_fields" (${bad.balanceId})`,
      );
    }
    balances.forEach((b, i) => {
      const stored = this.store.balances.get(b.balanceId);
      if (!stored) return;
      // Only the amounts and the version are written; everything else stays as stored.
      this.store.balances.set(b.balanceId, {
        ...stored,
        balance: b.balance,
        creditBalance: b.creditBalance,
        debitBalance: b.debitBalance,
        inflightBalance: b.inflightBalance,
        inflightCreditBalance: b.inflightCreditBalance,
        inflightDebitBalance: b.inflightDebitBalance,
        version: stored.version + (bumps?.[i] ?? 1),
      });
    });
  }
}

/**
 * The references rows claim, in the order the claims trigger inserts them: every row that is not
 * an outcome claims its reference; a QUEUED or SCHEDULED row also claims `<reference>_q`, the
 * reference its outcome will take.
 */
function claimsOf(rows: Transaction[]): string[] {
  return [
    ...rows.filter((r) => r.outcomeOf === null).map((r) => r.reference),
    ...rows
      .filter((r) => r.status === 'QUEUED' || r.status === 'SCHEDULED')
      .map((r) => `${r.reference}_q`),
  ];
}

export class MemoryTransactionRepository extends TransactionRepository {
  constructor(private readonly store: MemoryStore) {
    super();
  }

  /** Checks what the table's keys check, in the order PostgreSQL does, then appends all or none. */
  async insert(_tx: Tx, rows: Transaction[]): Promise<void> {
    if (!rows.length) return;
    const existing = this.store.transactions;
    // A queued row's `_q` claim is the client's reference as far as the client can tell.
    const duplicate = (reference: string) => {
      const own = rows.find(
        (r) =>
          `${r.reference}_q` === reference && (r.status === 'QUEUED' || r.status === 'SCHEDULED'),
      );
      return duplicateReference(own ? own.reference : reference);
    };
    const written: Transaction[] = [];
    for (const r of rows) {
      const all = [...existing, ...written];
      // transactions_reference_key: outcomes too.
      if (all.some((t) => t.reference === r.reference)) throw duplicate(r.reference);
      // transactions_outcome_of_key: a queued row has at most one outcome.
      if (r.outcomeOf !== null && all.some((t) => t.outcomeOf === r.outcomeOf)) {
        throw new Error(
          `duplicate key value violates unique constraint "transactions_outcome_of_key" (${r.outcomeOf})`,
        );
      }
      // transactions_refund_of_key: a row is refunded at most once (outcomes of a queued refund
      // repeat its refund_of).
      if (
        r.refundOf !== null &&
        r.outcomeOf === null &&
        all.some((t) => t.refundOf === r.refundOf && t.outcomeOf === null)
      ) {
        throw alreadyRefunded(r.refundOf);
      }
      written.push(r);
    }
    // The foreign keys to balances, checked at the end of the statement.
    for (const r of rows) {
      for (const id of [r.source, r.destination]) {
        if (id !== null && !this.store.balances.has(id)) {
          throw new Error(
            `insert on table "transactions" violates foreign key constraint: balance ${id} does not exist`,
          );
        }
      }
    }
    // reference_claims, written by the statement trigger.
    const claimed = new Set([...claimsOf(existing), ...this.store.claims]);
    for (const c of claimsOf(rows)) {
      if (claimed.has(c)) throw duplicate(c);
      claimed.add(c);
    }
    existing.push(...rows.map(copyRow));
  }

  async findById(id: string): Promise<Transaction | null> {
    const t = this.store.transactions.find((t) => t.transactionId === id);
    return t ? copyRow(t) : null;
  }

  async findByReference(reference: string): Promise<Transaction | null> {
    const t = this.store.transactions.find((t) => t.reference === reference);
    return t ? copyRow(t) : null;
  }

  /** Paging in the default order only; filters and sorting are tested on the Postgres adapter. */
  async list(q: ListQuery): Promise<Page<Transaction>> {
    if (q.filters.length || (q.sortBy && q.sortBy !== 'created_at')) {
      throw new Error('MemoryTransactionRepository.list supports paging by created_at only');
    }
    const dir = q.sortOrder === 'asc' ? 1 : -1;
    // created_at, then insertion order (the serial id) as the tie-breaker, both in one direction.
    const ordered = this.store.transactions
      .map((t, i) => ({ t, i }))
      .sort((a, b) => dir * (a.t.createdAt.getTime() - b.t.createdAt.getTime() || a.i - b.i))
      .map((x) => x.t);
    const items = ordered.slice(q.offset, q.offset + q.limit).map(copyRow);
    if (!q.includeCount) return { items };
    return { items, totalCount: items.length ? ordered.length : undefined };
  }

  async existingReferences(_tx: Tx, references: string[]): Promise<Set<string>> {
    const claimed = new Set([...claimsOf(this.store.transactions), ...this.store.claims]);
    return new Set(references.filter((r) => claimed.has(r)));
  }

  async claim(_tx: Tx, references: string[]): Promise<void> {
    const claimed = new Set([...claimsOf(this.store.transactions), ...this.store.claims]);
    for (const r of references) {
      if (claimed.has(r)) throw duplicateReference(r);
      claimed.add(r);
    }
    this.store.claims.push(...references);
  }

  async lockInflight(_tx: Tx, id: string): Promise<Transaction[]> {
    return this.store.transactions
      .filter(
        (t) =>
          t.status === 'INFLIGHT' &&
          (t.transactionId === id || t.parentTransaction === id || t.queuedParent === id),
      )
      .sort(byId)
      .map(copyRow);
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
      .sort(byId)
      .map(copyRow);
  }

  async refunded(_tx: Tx, ids: string[]): Promise<Set<string>> {
    return new Set(
      this.store.transactions
        .filter((t) => t.refundOf !== null && t.outcomeOf === null && ids.includes(t.refundOf))
        .map((t) => t.refundOf!),
    );
  }

  async findFamilyMember(id: string): Promise<Transaction | null> {
    const self = this.store.transactions.find((t) => t.transactionId === id);
    const member = self ?? this.store.transactions.find((t) => t.parentTransaction === id);
    return member ? copyRow(member) : null;
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

  /** No reconciliation in the in-memory store. */
  async reconciliationMarks(): Promise<Map<string, never>> {
    return new Map<string, never>();
  }

  /** No fund lineage in the in-memory store. */
  async fundAllocations(): Promise<Map<string, never>> {
    return new Map<string, never>();
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

const bySeq = (a: StoredWorkItem, b: StoredWorkItem) => a.seq - b.seq;

/**
 * The work list (`queued_work`) in memory, joined with the store's transaction rows as the
 * adapter joins `transactions`. `clock` stands for the database's `now()` (the items' created_at).
 * Constructed without a store it keeps one of its own (for use cases that only write work).
 */
export class MemoryQueuedWork extends QueuedWorkRepository {
  constructor(
    readonly store: MemoryStore = new MemoryStore(),
    private readonly clock: Clock = new SystemClock(),
  ) {
    super();
  }

  /** Every pending item, oldest first. */
  get items(): StoredWorkItem[] {
    return this.store.work;
  }

  async insert(_tx: Tx, items: NewWorkItem[]): Promise<void> {
    if (items.some((i) => this.store.work.some((w) => w.workId === i.workId))) {
      throw new Error('duplicate key value violates unique constraint "queued_work_work_id_key"');
    }
    const createdAt = this.clock.now();
    for (const i of items) {
      this.store.work.push({
        ...i,
        options: { ...i.options },
        sourceForeign: i.sourceForeign ?? false,
        destinationForeign: i.destinationForeign ?? false,
        seq: ++this.store.seq,
        attempts: 0,
        lastError: null,
        createdAt,
      });
    }
  }

  async lockLane(): Promise<void> {}
  async lockKey(): Promise<void> {}

  async takeDue(_tx: Tx, lane: number, now: Date, limit: number): Promise<DueWork> {
    const due = (w: StoredWorkItem) => w.runAt.getTime() <= now.getTime();
    const inLane = this.store.work.filter((w) => w.lane === lane && due(w)).sort(bySeq);
    // A client's commit / void stops the run even while postponed (it was accepted before what
    // follows it); an expiry or auto-commit date only once it is due.
    const firstAction = this.store.work
      .filter(
        (w) => w.lane === lane && w.kind !== 'transaction' && (due(w) || !w.options.scheduled),
      )
      .sort(bySeq)[0]?.seq;
    // Groups with a due transaction of this lane before the first due commit / void, oldest
    // first by that transaction; then every transaction of those groups that has its row.
    const firsts = new Map<string, number>();
    for (const w of inLane) {
      if (w.kind !== 'transaction' || (firstAction !== undefined && w.seq >= firstAction)) continue;
      if (!firsts.has(w.groupId)) firsts.set(w.groupId, w.seq);
    }
    const groups = [...firsts].sort((a, b) => a[1] - b[1]).slice(0, limit);
    const run = groups.flatMap(([groupId, first]) =>
      this.store.work
        .filter((w) => w.groupId === groupId && w.kind === 'transaction' && this.rowOf(w))
        .sort(bySeq)
        .map((w) => ({
          w,
          blocked: this.waits(w, first, lane, now, 'debit'),
          awaitsCredit: this.waits(w, first, lane, now, 'credit'),
        })),
    );
    if (run.length) {
      const blockedGroups = new Set(run.filter((r) => r.blocked).map((r) => r.w.groupId));
      const taken: { w: StoredWorkItem; awaitsCredit: boolean }[] = [];
      for (const r of run) {
        if (blockedGroups.has(r.w.groupId)) break;
        taken.push(r);
      }
      if (!taken.length) return { items: [], more: false, blocked: true };
      const count = new Set(run.map((r) => r.w.groupId)).size;
      return {
        items: taken.map((r) => ({ ...this.toItem(r.w), awaitsCredit: r.awaitsCredit })),
        more: taken.length < run.length || count >= limit || firstAction !== undefined,
        blocked: false,
      };
    }
    const action = inLane.find((w) => w.kind !== 'transaction');
    return {
      items: action ? [this.toItem(action, false)] : [],
      more: action !== undefined,
      blocked: false,
    };
  }

  /**
   * Whether `w` (a debit of `w.source`, in a group first accepted at `first`) waits for an
   * earlier due transaction of another lane that debits (`debit`) or credits (`credit`) that
   * balance. Read through the foreign flags, as the adapter's partial indexes are: from the
   * balance's home lane only touches marked foreign count; from elsewhere every touch does.
   */
  private waits(
    w: StoredWorkItem,
    first: number,
    lane: number,
    now: Date,
    touch: 'debit' | 'credit',
  ): boolean {
    if (w.source === undefined) return false;
    const earlier = this.store.work.filter(
      (b) =>
        b.seq < first &&
        b.lane !== lane &&
        (b.runAt.getTime() <= now.getTime() || (b.kind !== 'transaction' && !b.options.scheduled)),
    );
    return earlier.some((b) =>
      touch === 'debit'
        ? b.kind === 'transaction' && b.source === w.source && (w.sourceForeign || b.sourceForeign)
        : (b.kind === 'transaction' &&
            b.runAt.getTime() <= now.getTime() &&
            b.destination === w.source &&
            (w.sourceForeign || b.destinationForeign)) ||
          (b.kind !== 'transaction' && (b.credits ?? []).includes(w.source ?? '')),
    );
  }

  private rowOf(w: StoredWorkItem): Transaction | undefined {
    return this.store.transactions.find((t) => t.transactionId === w.transactionId);
  }

  private toItem(w: StoredWorkItem, withRow = w.kind === 'transaction'): QueuedWorkItem {
    const row = withRow ? this.rowOf(w) : undefined;
    return {
      seq: String(w.seq),
      workId: w.workId,
      kind: w.kind,
      row: row && copyRow(row),
      transactionId: w.transactionId,
      groupId: w.groupId,
      lane: w.lane,
      runAt: new Date(w.runAt),
      options: { ...w.options },
      attempts: w.attempts,
    };
  }

  async groupItems(_tx: Tx, groupId: string): Promise<QueuedWorkItem[]> {
    return this.store.work
      .filter((w) => w.groupId === groupId)
      .sort(bySeq)
      .map((w) => this.toItem(w));
  }

  /** In a database transaction of its own: outside any unit of work, so never rolled back. */
  async recordFailure(groupId: string, error: string): Promise<number> {
    let attempts = 0;
    for (const w of this.store.work) {
      if (w.groupId !== groupId) continue;
      w.attempts++;
      w.lastError = error.slice(0, 2000);
      attempts = Math.max(attempts, w.attempts);
    }
    return attempts;
  }

  async postpone(_tx: Tx, workId: string, runAt: Date): Promise<void> {
    const i = this.store.work.find((x) => x.workId === workId);
    if (i) i.runAt = new Date(runAt);
  }

  async remove(_tx: Tx, workIds: string[]): Promise<void> {
    this.store.work = this.store.work.filter((i) => !workIds.includes(i.workId));
  }

  async pendingAction(_tx: Tx, id: string): Promise<boolean> {
    // Expiry and auto-commit dates are not "a commit or void already queued".
    return this.store.work.some(
      (i) =>
        i.transactionId === id && i.kind !== 'transaction' && i.options.scheduled === undefined,
    );
  }

  async pendingHoldsDue(_tx: Tx, id: string): Promise<Date | null> {
    // Only rows that will become holds, named by their id, group, queued request or parent.
    let due: Date | null = null;
    for (const w of this.store.work) {
      if (w.kind !== 'transaction') continue;
      const row = this.rowOf(w);
      if (!row?.inflight) continue;
      const named =
        w.transactionId === id ||
        w.groupId === id ||
        row.queuedParent === id ||
        row.parentTransaction === id;
      if (named && (due === null || w.runAt < due)) due = w.runAt;
    }
    return due === null ? null : new Date(due.getTime());
  }

  async pendingHoldEnds(_tx: Tx, id: string): Promise<{ source: string; destination: string }[]> {
    return this.store.work.flatMap((w) => {
      if (w.kind !== 'transaction') return [];
      const row = this.rowOf(w);
      if (!row?.inflight) return [];
      const named =
        row.transactionId === id ||
        row.parentTransaction === id ||
        row.queuedParent === id ||
        w.groupId === id;
      return named ? [{ source: row.source, destination: row.destination }] : [];
    });
  }

  async dueLanes(now: Date, olderThan?: Date): Promise<{ lane: number; count: number }[]> {
    const counts = new Map<number, number>();
    for (const w of this.store.work) {
      if (w.runAt.getTime() > now.getTime()) continue;
      if (olderThan && w.createdAt.getTime() > olderThan.getTime()) continue;
      counts.set(w.lane, (counts.get(w.lane) ?? 0) + 1);
    }
    return [...counts].sort((a, b) => a[0] - b[0]).map(([lane, count]) => ({ lane, count }));
  }

  async queuedDebits(_tx: Tx, balanceIds: string[]): Promise<Map<string, bigint>> {
    const out = new Map<string, bigint>();
    for (const w of this.store.work) {
      const row = w.kind === 'transaction' ? this.rowOf(w) : undefined;
      if (!row || row.status !== 'QUEUED' || !w.source || !balanceIds.includes(w.source)) continue;
      out.set(w.source, (out.get(w.source) ?? 0n) + row.preciseAmount);
    }
    return out;
  }

  async queuedAmounts(balanceId: string): Promise<{ debit: bigint; credit: bigint }> {
    let debit = 0n;
    let credit = 0n;
    for (const w of this.store.work) {
      const row = w.kind === 'transaction' ? this.rowOf(w) : undefined;
      if (!row || row.status !== 'QUEUED') continue;
      if (w.source === balanceId) debit += row.preciseAmount;
      if (w.destination === balanceId) credit += row.preciseAmount;
    }
    return { debit, credit };
  }

  async pendingCount(): Promise<number> {
    return this.store.work.length;
  }

  async claimLaneCount(lanes: number): Promise<void> {
    const stored = this.store.settings.get('number_of_queues');
    if (stored !== undefined && Number(stored) === lanes) return;
    if (stored !== undefined && this.store.work.length > 0) {
      const n = this.store.work.length;
      throw new Error(
        `queue.number_of_queues is ${lanes}, but ${n} queued work items were routed over ` +
          `${stored} lanes: start with number_of_queues = ${stored} until the queue ` +
          `is empty, then change it`,
      );
    }
    this.store.settings.set('number_of_queues', String(lanes));
  }

  async recordBatch(_tx: Tx, batch: TrackedBatch): Promise<void> {
    this.store.batches.push({ batch: { ...batch }, finished: false });
  }

  async finishBatches(): Promise<number> {
    let n = 0;
    for (const b of this.store.batches.filter((x) => !x.finished)) {
      const rows = new Set(
        this.store.transactions
          .filter(
            (t) => t.batchId === b.batch.batchId && ['QUEUED', 'SCHEDULED'].includes(t.status),
          )
          .map((t) => t.transactionId),
      );
      if (this.store.work.some((w) => w.kind === 'transaction' && rows.has(w.transactionId)))
        continue;
      b.finished = true;
      n++;
    }
    return n;
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
