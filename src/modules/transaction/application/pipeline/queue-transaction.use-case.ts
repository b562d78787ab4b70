import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { GroupCommit } from '@libs/core/group-commit';
import { Tx, UnitOfWork } from '@libs/core/unit-of-work';
import { currentTraceParent } from '@libs/telemetry/trace-context';
import { BalancePostingService } from '../../../balance/application/balance-posting.service';
import { queuedLegReference } from '../../domain/plan';
import { queuedRow } from '../../domain/rows';
import type { Transaction } from '../../domain/transaction';
import {
  balanceMissing,
  currencyMismatch,
  duplicateReference,
  sameBalance,
} from '../../domain/transaction.errors';
import { TransactionRepository } from '../ports/transaction.repository';
import { QueuedEngine, TrackedBatch, Wakeups } from '../queued/queued-engine';
import {
  endpointsOf,
  PreparedTransaction,
  RecordedTransaction,
  RecordTransactionUseCase,
  GROUP_COMMIT,
  rowContext,
} from './record-transaction.use-case';

/**
 * The default (queued) path of POST /transactions and of bulk batches. Everything that can be
 * known now is checked now — shape, amounts, balances exist, currencies match, the reference (and
 * its `_q` outcome reference) is free — and the QUEUED rows (SCHEDULED with `scheduled_for`, one
 * per split leg, `R_1…R_n`) are committed together with their work items before the answer: an
 * accepted request survives any crash. Funds are checked when a worker applies it (§5.3 A).
 */
@Injectable()
export class QueueTransactionUseCase {
  private readonly logger = new Logger('QueueTransaction');

  constructor(
    private readonly uow: UnitOfWork,
    private readonly balances: BalancePostingService,
    private readonly transactions: TransactionRepository,
    private readonly engine: QueuedEngine,
    private readonly record: RecordTransactionUseCase,
    private readonly clock: Clock,
  ) {}

  /**
   * Single requests accepted concurrently share one database transaction (group commit); each
   * stays its own unit of work in its own lane. A batch that fails as a whole (one duplicate
   * reference, say) is retried request by request, so each gets its own answer.
   */
  private readonly group = new GroupCommit<PreparedTransaction, Transaction[]>({
    ...GROUP_COMMIT,
    runOne: async (p) => (await this.acceptAll([p]))[0],
    runBatch: async (ps) => (await this.acceptAll(ps)).map((value) => ({ ok: true, value })),
    onBatchError: (e, n) =>
      this.logger.warn(
        `a batch of ${n} queued accepts failed as a whole; retrying each: ${String(e)}`,
      ),
  });

  /** The queued route of the submission pipeline (the default). */
  async accept(p: PreparedTransaction): Promise<RecordedTransaction> {
    // Its own trace context, taken here: the batch it is written in runs in another's.
    const traceParent = currentTraceParent();
    const rows = await this.group.submit(traceParent ? { ...p, traceParent } : p);
    return {
      transaction: this.record.headline(p, rows),
      flags: p.draft.flags,
      draft: p.draft,
      legs: rows,
      plan: p.plan,
    };
  }

  /**
   * Accepts prepared requests in one database transaction. Without `groupId` each request is its
   * own unit of work; with it (an atomic batch) all of them form one group that a worker applies
   * all or none. `batch`: a bulk batch whose end has an event, recorded with its rows. Returns
   * each request's QUEUED rows.
   */
  async acceptAll(
    prepared: PreparedTransaction[],
    groupId?: string,
    batch?: TrackedBatch,
  ): Promise<Transaction[][]> {
    await this.engine.admit();
    const { rows, wake } = await this.uow.run(async (tx) => {
      const written = await this.write(tx, prepared, groupId);
      if (batch) await this.engine.trackBatch(tx, batch);
      return written;
    });
    // After the commit, outside the database transaction.
    await this.engine.wake(wake);
    return rows;
  }

  /** The one writer of QUEUED rows of requests; the engine writes their work. */
  private async write(
    tx: Tx,
    prepared: PreparedTransaction[],
    groupId: string | undefined,
  ): Promise<{ rows: Transaction[][]; wake: Wakeups }> {
    const { ids } = await this.balances.resolve(tx, endpointsOf(prepared));
    const currencies = await this.balances.currencies(tx, [...ids.values()]);
    const now = this.clock.now();
    const all = prepared.map((p) =>
      this.rowsOf(p, now, (identifier) => {
        const id = ids.get(
          identifier.startsWith('@') ? `${identifier}\u0000${p.draft.currency}` : identifier,
        )!;
        const currency = currencies.get(id);
        if (currency === undefined) throw balanceMissing(id);
        if (currency !== p.draft.currency) throw currencyMismatch(id, currency, p.draft.currency);
        return id;
      }),
    );
    // The outcome of each row will be referenced `<reference>_q`; both must be free. (The
    // claims table refuses a taken one anyway; this check names the request that failed.)
    // A split's own reference, which no row carries, is claimed too.
    const splitReferences = prepared.filter((p) => p.plan.split).map((p) => p.draft.reference);
    const references = [
      ...splitReferences,
      ...all.flat().flatMap((r) => [r.reference, `${r.reference}_q`]),
    ];
    const taken = await this.transactions.existingReferences(tx, references);
    const own = new Set(all.flat().map((r) => r.reference));
    const seen = new Set<string>();
    for (const r of references) {
      if (taken.has(r) || seen.has(r)) {
        // `X_q` taken: the client's request is X when X is ours, else the row referenced X_q.
        const base = r.endsWith('_q') ? r.slice(0, -2) : r;
        throw duplicateReference(own.has(base) && !own.has(r) ? base : r);
      }
      seen.add(r);
    }
    await this.transactions.insert(tx, all.flat());
    await this.transactions.claim(tx, splitReferences);
    const wake = await this.engine.acceptRequests(
      tx,
      prepared.map((p, i) => {
        const rows = all[i];
        const due = rows[0].scheduledFor;
        return {
          id: p.plan.transactionId,
          rows,
          runAt: due && due > now ? due : now,
          flags: p.draft.flags,
          traceParent: p.traceParent,
        };
      }),
      groupId,
    );
    return { rows: all, wake };
  }

  /** The QUEUED rows of one request, endpoints resolved through `idOf`. */
  private rowsOf(
    p: PreparedTransaction,
    now: Date,
    idOf: (identifier: string) => string,
  ): Transaction[] {
    const d = p.draft;
    const ctx = { ...rowContext(p), queuedParent: p.batch?.id ?? p.plan.transactionId };
    return p.plan.legs.map((leg) => {
      const source = idOf(leg.source);
      const destination = idOf(leg.destination);
      if (source === destination) throw sameBalance();
      const reference = queuedLegReference(d.reference, p.plan, leg);
      return queuedRow(d, leg, reference, { source, destination }, ctx, now);
    });
  }
}
