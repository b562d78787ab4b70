import { Injectable, Logger, Optional } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { DomainError } from '@libs/core/domain-error';
import { IdGenerator } from '@libs/core/ids';
import { GroupCommit, Outcome } from '@libs/core/group-commit';
import { LedgerMetrics } from '@libs/telemetry/ledger-metrics';
import { rolledBack, Tx, UnitOfWork } from '@libs/core/unit-of-work';
import type { Endpoint } from '../../../balance/application/balance-posting.service';
import { toMinorUnits } from '../../domain/amounts';
import { transactionHash } from '../../domain/hash';
import { Plan, planTransaction } from '../../domain/plan';
import {
  RecordTransactionInput,
  TransactionDraft,
  validateRecordRequest,
} from '../../domain/record-request';
import type { Transaction, TransactionFlags } from '../../domain/transaction';
import { postedRow, queuedRow, RowContext } from '../../domain/rows';
import { nonPositiveAmount, scheduledSkipQueue } from '../../domain/transaction.errors';
import { PostingSession, PostingSessions } from '../posting-session';
import { TransactionPreview, transactionPreview, tryApply } from '../preview';
import { AppliedHold, QueuedEngine, Wakeups } from '../queued/queued-engine';

export interface RecordedTransaction {
  /** The row the client sees; for a split, a parent that has no row of its own. */
  transaction: Transaction;
  flags: TransactionFlags;
  draft: TransactionDraft;
  /** The appended rows: the transaction itself, or the legs of a split. */
  legs: Transaction[];
  plan: Plan;
}

/** A validated request with its rows planned, ready to run in a posting session. */
export interface PreparedTransaction {
  draft: TransactionDraft;
  plan: Plan;
  /** The bulk batch the request is an item of, and its 1-based position there. */
  batch?: BatchPosition;
  /** Queued: the accepting request's trace context (telemetry on), carried in its work. */
  traceParent?: string;
}

export interface BatchPosition {
  id: string;
  sequence: number;
}

/**
 * Every reference a prepared request takes: its rows' (`R`, or a split's `R-1…`) and, for a split,
 * its own `R`, which no row carries but no other request may use.
 */
export function referencesOf(p: PreparedTransaction): string[] {
  const legs = p.plan.legs.map((l) => l.reference);
  return p.plan.split ? [p.draft.reference, ...legs] : legs;
}

/** Where the rows of a prepared request sit (parent, batch). */
export function rowContext(p: PreparedTransaction): RowContext {
  return {
    parent: p.plan.split ? p.plan.transactionId : (p.batch?.id ?? ''),
    batchId: p.batch?.id ?? null,
    sequence: p.batch?.sequence ?? null,
  };
}

/**
 * POST /transactions on the synchronous path (skip_queue), single or split: one database
 * transaction resolves `@indicator` balances, locks every touched balance in id order, checks the
 * references, then checks funds and moves money leg by leg, and appends the rows. A split is all
 * or nothing whatever `atomic` says: its legs share the one database transaction.
 */
/** What a synchronous request appended, and what to wake for its hold's dates. */
interface Posted {
  legs: Transaction[];
  wake: Wakeups;
}

/** Group commit of single requests (synchronous and queued accepts): batches in flight, requests per batch. */
export const GROUP_COMMIT = { maxConcurrent: 2, maxBatch: 100, maxWaiting: 10000 };

@Injectable()
export class RecordTransactionUseCase {
  private readonly logger = new Logger('RecordTransaction');
  private readonly group = new GroupCommit<PreparedTransaction, Posted>({
    ...GROUP_COMMIT,
    runOne: (r) => this.uow.run((tx) => this.applyOne(tx, r)),
    runBatch: (rs) => this.uow.run((tx) => this.applyMany(tx, rs)),
    onBatchError: (e, n) =>
      this.logger.warn(`a batch of ${n} transfers failed as a whole; retrying each: ${String(e)}`),
  });

  constructor(
    private readonly uow: UnitOfWork,
    private readonly sessions: PostingSessions,
    private readonly engine: QueuedEngine,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    @Optional() private readonly metrics: LedgerMetrics = LedgerMetrics.none,
  ) {}

  /** Validation and planning, no I/O. @throws DomainError for an invalid request. */
  prepare(input: RecordTransactionInput, batch?: BatchPosition): PreparedTransaction {
    const draft = validateRecordRequest(input);
    if (draft.preciseAmount <= 0n) throw nonPositiveAmount();
    return {
      draft,
      plan: planTransaction(draft, this.ids.next('txn'), () => this.ids.next('txn')),
      batch,
    };
  }

  /** The synchronous route of the submission pipeline (skip_queue). */
  async post(p: PreparedTransaction): Promise<RecordedTransaction> {
    refuseScheduled(p);
    // Expiry and auto-commit dates of a hold become queued work, written with the hold.
    // Requests naming balances by id share database transactions with concurrent ones (group
    // commit). One naming an @indicator runs alone: it may create that balance, and a refused
    // request must leave nothing behind, not even an empty balance.
    let posted: Posted;
    try {
      posted = p.plan.legs.some((l) => l.source.startsWith('@') || l.destination.startsWith('@'))
        ? await this.uow.run((tx) => this.applyOne(tx, p))
        : await this.group.submit(p);
    } catch (e) {
      // A refusal is a rejected transfer, counted as the drain counts one (nothing was written).
      if (e instanceof DomainError) {
        this.metrics.rows([
          { status: 'REJECTED', currency: p.draft.currency, reason: e.code, stored: false },
        ]);
      }
      throw e;
    }
    // Counted once committed, as the queued path counts its outcomes.
    this.metrics.rows(posted.legs.map((l) => ({ status: l.status, currency: l.currency })));
    await this.engine.wake(posted.wake);
    const legs = posted.legs;
    return {
      transaction: this.headline(p, legs),
      flags: p.draft.flags,
      draft: p.draft,
      legs,
      plan: p.plan,
    };
  }

  private async applyOne(tx: Tx, p: PreparedTransaction): Promise<Posted> {
    const [outcome] = await this.applyMany(tx, [p]);
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /**
   * Applies requests in one database transaction, in order: balances locked once for all, each
   * request checked (references, then funds) against the state the earlier ones left, and undone
   * in memory if refused, so it leaves no trace. All rows are written in one statement.
   */
  private async applyMany(tx: Tx, ps: PreparedTransaction[]): Promise<Outcome<Posted>[]> {
    const session = this.sessions.start(tx);
    await session.open(endpointsOf(ps));
    await session.loadTakenReferences(ps.flatMap(referencesOf));
    const reserved = await this.engine.reservedDebits(
      tx,
      ps.flatMap((p) => p.plan.legs.map((l) => session.idOf(l.source, p.draft.currency))),
    );
    const outcomes = ps.map((p): Outcome<Transaction[]> => {
      const restore = session.checkpoint();
      try {
        session.claimReferences(referencesOf(p));
        return { ok: true, value: this.apply(session, p, reserved) };
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        restore();
        return { ok: false, error: e };
      }
    });
    await session.flush();
    return Promise.all(
      outcomes.map(async (o, i): Promise<Outcome<Posted>> => {
        if (!o.ok) return o;
        const wake = await this.engine.scheduleHoldDates(tx, [appliedHold(ps[i], o.value)]);
        return { ok: true, value: { legs: o.value, wake } };
      }),
    );
  }

  /** Dry run (reference §5.16): the same work in a transaction that is rolled back. */
  async preview(input: RecordTransactionInput): Promise<TransactionPreview> {
    const p = this.prepare(input);
    // The dry run of a request `post` refuses is refused the same way.
    if (p.draft.flags.skipQueue) refuseScheduled(p);
    return rolledBack(this.uow, async (tx) => {
      const session = this.sessions.start(tx);
      await session.open(endpointsOf([p]));
      // What `post` would hold it to: with queued checks, a skip_queue debit must leave queued
      // debits covered (a queued request is applied after them, so they do not bind it).
      const reserved = p.draft.flags.skipQueue
        ? await this.engine.reservedDebits(
            tx,
            p.plan.legs.map((l) => session.idOf(l.source, p.draft.currency)),
          )
        : undefined;
      const rejection = await tryApply(async () => {
        await session.checkReferences(referencesOf(p));
        this.apply(session, p, reserved);
      });
      return transactionPreview(session, p.draft, p.plan, rejection);
    });
  }

  /** Runs one prepared transaction in an open session; returns the rows it appended. */
  /** `reserved`: queued debits per balance that a synchronous debit must leave covered. */
  apply(
    session: PostingSession,
    p: PreparedTransaction,
    reserved?: Map<string, bigint>,
  ): Transaction[] {
    const d = p.draft;
    const rules = {
      allowOverdraft: d.flags.allowOverdraft,
      overdraftLimit: toMinorUnits(d.flags.overdraftLimit, d.precision),
    };
    const now = this.clock.now();
    const ctx = rowContext(p);
    return p.plan.legs.map((leg) => {
      const source = session.idOf(leg.source, d.currency);
      const destination = session.idOf(leg.destination, d.currency);
      const row = postedRow(d, leg, { source, destination }, ctx, now);
      session.transfer(row, { ...rules, reserved: reserved?.get(source) });
      return row;
    });
  }

  /**
   * The request as it would be written, for pre-transaction hooks: what the client will see
   * (the row, or a split's parent), with the status it will have (APPLIED or INFLIGHT on the
   * synchronous path, QUEUED or SCHEDULED on the queued one) and its endpoints as sent.
   */
  proposal(p: PreparedTransaction): Transaction {
    const now = this.clock.now();
    const ctx = rowContext(p);
    const legs = p.plan.legs.map((leg) => {
      const ends = { source: leg.source, destination: leg.destination };
      return p.draft.flags.skipQueue
        ? postedRow(p.draft, leg, ends, ctx, now)
        : queuedRow(p.draft, leg, leg.reference, ends, { ...ctx, queuedParent: '' }, now);
    });
    return this.headline(p, legs);
  }

  /** The transaction the client sees: the single row, or the split's parent (which has no row). */
  headline(p: PreparedTransaction, legs: Transaction[]): Transaction {
    if (!p.plan.split) return legs[0];
    const d = p.draft;
    const first = legs[0];
    return {
      ...first,
      transactionId: p.plan.transactionId,
      parentTransaction: p.batch?.id ?? '',
      reference: d.reference,
      amount: d.amount,
      preciseAmount: d.preciseAmount,
      source: d.sources ? '' : first.source,
      destination: d.destinations ? '' : first.destination,
      hash: transactionHash(d.amount, d.reference, d.currency, d.source ?? '', d.destination ?? ''),
    };
  }
}

/**
 * An applied request as a hold whose dates the queued engine settles: the id the hold is known
 * by (the row itself, or a split's parent, whose legs carry it as parent_transaction).
 */
export function appliedHold(p: PreparedTransaction, rows: Transaction[]): AppliedHold {
  return { holdId: p.plan.transactionId, source: rows[0].source, flags: p.draft.flags };
}

/**
 * Blnk applies a skip_queue request with `scheduled_for` at once, schedule ignored; a payment
 * meant for later must not move money now, so the combination is refused instead.
 * @throws DomainError TXN_VALIDATION_ERROR naming scheduled_for.
 */
export function refuseScheduled(p: PreparedTransaction): void {
  if (p.draft.scheduledFor) throw scheduledSkipQueue();
}

/** Every endpoint of the prepared transactions, for one `open`. */
export function endpointsOf(prepared: PreparedTransaction[]): Endpoint[] {
  const out: Endpoint[] = [];
  for (const p of prepared) {
    for (const leg of p.plan.legs) {
      out.push({ identifier: leg.source, currency: p.draft.currency });
      out.push({ identifier: leg.destination, currency: p.draft.currency });
    }
  }
  return out;
}
