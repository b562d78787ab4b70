import { Injectable } from '@nestjs/common';
import { DomainError } from '@libs/core/domain-error';
import { IdGenerator } from '@libs/core/ids';
import { rolledBack, Tx, UnitOfWork } from '@libs/core/unit-of-work';
import { queuedLegReference } from '../../domain/plan';
import type { RecordTransactionInput } from '../../domain/record-request';
import {
  bulkEmpty,
  bulkItemInvalid,
  bulkTooLarge,
  scheduledSkipQueue,
} from '../../domain/transaction.errors';
import { TransactionRepository } from '../ports/transaction.repository';
import { PostingSession, PostingSessions } from '../posting-session';
import { TransactionPreview, transactionPreview, tryApply } from '../preview';
import { AppliedHold, QueuedEngine, Wakeups } from '../queued/queued-engine';
import {
  appliedHold,
  endpointsOf,
  PreparedTransaction,
  RecordTransactionUseCase,
  referencesOf,
} from './record-transaction.use-case';
import { QueueTransactionUseCase } from './queue-transaction.use-case';

export const BULK_LIMIT = 10000;

export interface BulkRequest {
  /** Each item, or null when the client sent null there. */
  items: (RecordTransactionInput | null)[];
  inflight?: boolean;
  atomic?: boolean;
  skipQueue?: boolean;
  runAsync?: boolean;
}

export interface BulkOutcome {
  batchId: string;
  status: 'applied' | 'inflight';
  count: number;
  /** Accepted for the workers rather than applied. */
  queued?: boolean;
}

export interface BulkPreview {
  atomic: boolean;
  cumulative: boolean;
  results: TransactionPreview[];
  notes: string[];
}

/**
 * POST /transactions/bulk on the synchronous path (reference §2.5.2, §5.11). Items run in array
 * order with parent_transaction = the batch id and `sequence` = position (columns). An atomic
 * batch is one database transaction (all items or none, no compensating refunds); otherwise each
 * item commits on its own and the batch stops at the first failure, earlier items staying.
 * Each item is held to what a single skip_queue request is: no `scheduled_for`, queued debits
 * left covered with `enable_queued_checks`, and a hold's expiry / commit date written as work in
 * the database transaction that writes the hold.
 */
@Injectable()
export class BulkTransactionsUseCase {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly sessions: PostingSessions,
    private readonly transactions: TransactionRepository,
    private readonly record: RecordTransactionUseCase,
    private readonly queued: QueueTransactionUseCase,
    private readonly engine: QueuedEngine,
    private readonly ids: IdGenerator,
  ) {}

  async execute(req: BulkRequest): Promise<BulkOutcome> {
    const batchId = this.ids.next('bulk');
    const prepared = this.prepare(req, batchId);
    if (!req.skipQueue || req.runAsync) {
      // Queued (and run_async): written durably now, applied by workers; an atomic batch is one
      // group that is applied all or none.
      try {
        // A run_async or atomic batch is tracked: its end (or its rejection) has an event.
        const tracked = req.runAsync || req.atomic;
        await this.queued.acceptAll(
          prepared,
          req.atomic ? batchId : undefined,
          tracked
            ? {
                batchId,
                count: prepared.length,
                inflight: !!req.inflight,
                atomic: !!req.atomic,
                runAsync: !!req.runAsync,
              }
            : undefined,
        );
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        const index =
          e.code === 'TXN_DUPLICATE_REFERENCE' ? await this.duplicateIndex(prepared, e) : 0;
        throw this.batchFailure(prepared, index, batchId, true, e);
      }
      return {
        batchId,
        status: req.inflight ? 'inflight' : 'applied',
        count: prepared.length,
        queued: true,
      };
    }
    this.refuseScheduled(prepared, batchId);
    if (req.atomic) {
      const wake = await this.uow.run(async (tx) => {
        const session = this.sessions.start(tx);
        await session.open(endpointsOf(prepared));
        await session.loadTakenReferences(prepared.flatMap((p) => referencesOf(p)));
        const reserved = await this.reserved(tx, session, prepared);
        const holds: AppliedHold[] = [];
        for (const [i, p] of prepared.entries()) {
          await this.guard(prepared, i, batchId, true, () => {
            session.claimReferences(referencesOf(p));
            holds.push(appliedHold(p, this.record.apply(session, p, reserved)));
          });
        }
        await session.flush();
        return this.engine.scheduleHoldDates(tx, holds);
      });
      await this.engine.wake(wake);
    } else {
      for (const [i, p] of prepared.entries()) {
        await this.guard(prepared, i, batchId, false, async () => {
          const wake: Wakeups = await this.uow.run(async (tx) => {
            const session = this.sessions.start(tx);
            await session.open(endpointsOf([p]));
            await session.checkReferences(referencesOf(p));
            const reserved = await this.reserved(tx, session, [p]);
            const rows = this.record.apply(session, p, reserved);
            await session.flush();
            return this.engine.scheduleHoldDates(tx, [appliedHold(p, rows)]);
          });
          // This item is committed whatever happens to the next ones: its dates are due now.
          await this.engine.wake(wake);
        });
      }
    }
    return { batchId, status: req.inflight ? 'inflight' : 'applied', count: prepared.length };
  }

  /**
   * With `transaction.enable_queued_checks`: per source balance, what queued debits not applied
   * yet already claim, which a synchronous debit must leave covered (as for a single request).
   */
  private reserved(
    tx: Tx,
    session: PostingSession,
    prepared: PreparedTransaction[],
  ): Promise<Map<string, bigint> | undefined> {
    return this.engine.reservedDebits(
      tx,
      prepared.flatMap((p) => p.plan.legs.map((l) => session.idOf(l.source, p.draft.currency))),
    );
  }

  /** Dry run: every item projected in order on the same (rolled back) balances. */
  async preview(req: BulkRequest): Promise<BulkPreview> {
    const batchId = this.ids.next('bulk');
    const prepared = this.prepare(req, batchId);
    // The dry run of a batch `execute` refuses is refused the same way.
    if (req.skipQueue && !req.runAsync) this.refuseScheduled(prepared, batchId);
    return rolledBack(this.uow, async (tx) => {
      const session = this.sessions.start(tx);
      await session.open(endpointsOf(prepared));
      await session.loadTakenReferences(prepared.flatMap((p) => referencesOf(p)));
      // Queued debits bind only a batch that would be applied now, not one that would be queued.
      const reserved =
        req.skipQueue && !req.runAsync ? await this.reserved(tx, session, prepared) : undefined;
      const results: TransactionPreview[] = [];
      for (const p of prepared) {
        const rejection = await tryApply(() => {
          session.claimReferences(referencesOf(p));
          this.record.apply(session, p, reserved);
        });
        results.push(transactionPreview(session, p.draft, p.plan, rejection));
      }
      const notes = [
        'items are projected in order: current_* values are the balances before the batch, resulting_* after each item',
      ];
      if (req.atomic) notes.push('atomic: if any item is rejected, no item is applied');
      if (req.runAsync) notes.push('run_async is ignored by a dry run');
      return { atomic: req.atomic === true, cumulative: true, results, notes };
    });
  }

  /**
   * As for a single skip_queue request: a payment meant for later must not move money now.
   * Refused before anything is applied, atomic or not, naming the first such item.
   */
  private refuseScheduled(prepared: PreparedTransaction[], batchId: string): void {
    const scheduled = prepared.findIndex((p) => p.draft.scheduledFor);
    if (scheduled >= 0) {
      throw this.batchFailure(prepared, scheduled, batchId, true, scheduledSkipQueue());
    }
  }

  private prepare(req: BulkRequest, batchId: string): PreparedTransaction[] {
    if (!req.items.length) throw bulkEmpty();
    if (req.items.length > BULK_LIMIT) {
      throw bulkTooLarge(`a batch holds at most ${BULK_LIMIT} transactions`);
    }
    return req.items.map((item, i) => {
      const fail = (message: string) => bulkItemInvalid(i, message);
      if (!item) throw fail('cannot be null');
      try {
        return this.record.prepare(
          { ...item, inflight: req.inflight ?? item.inflight, skipQueue: req.skipQueue },
          { id: batchId, sequence: i + 1 },
        );
      } catch (e) {
        if (e instanceof DomainError) throw fail(e.message);
        throw e;
      }
    });
  }

  /** Runs one item's work; a refusal becomes Blnk's batch failure naming the item. */
  private async guard(
    prepared: PreparedTransaction[],
    index: number,
    batchId: string,
    atomic: boolean,
    work: () => unknown,
  ): Promise<void> {
    try {
      await work();
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      throw this.batchFailure(prepared, index, batchId, atomic, e);
    }
  }

  private batchFailure(
    prepared: PreparedTransaction[],
    index: number,
    batchId: string,
    nothingApplied: boolean,
    e: DomainError,
  ): DomainError {
    const d = prepared[index].draft;
    const message =
      `failed to queue transaction ${index + 1} (Reference: ${d.reference}, Source: ${d.source ?? 'split'}, ` +
      `Destination: ${d.destination ?? 'split'}, Amount: ${d.amount}): ${e.message.replace(/\.$/, '')}` +
      (nothingApplied
        ? '. No transaction in this batch was applied.'
        : '. Previous transactions were not rolled back.');
    return new DomainError(e.code, message, { batch_id: batchId, index }, 'error', {
      batch_id: batchId,
    });
  }

  /**
   * Which item of a queued batch a refused reference belongs to: the first whose references
   * collide with one taken before or with an earlier item's (so the later of two duplicates).
   * The error names the reference with a `_q` claim folded into its request's, which cannot tell
   * `X` + `X_q` apart from `X_q` + `X`, so the claims are worked out again, as the queued path
   * makes them: a split's own reference, each row's reference (`R_1…R_n` for split legs) and its
   * outcome's `<reference>_q`.
   */
  private async duplicateIndex(prepared: PreparedTransaction[], e: DomainError): Promise<number> {
    const claims = prepared.map((p) => [
      // A split's own reference is claimed too.
      ...(p.plan.split ? [p.draft.reference] : []),
      ...p.plan.legs.flatMap((l) => {
        const reference = queuedLegReference(p.draft.reference, p.plan, l);
        return [reference, `${reference}_q`];
      }),
    ]);
    const taken = await this.uow.run((tx) =>
      this.transactions.existingReferences(tx, claims.flat()),
    );
    const seen = new Set<string>();
    for (const [i, references] of claims.entries()) {
      for (const r of references) {
        if (taken.has(r) || seen.has(r)) return i;
        seen.add(r);
      }
    }
    // A claim that a concurrent request took and gave up again: the error's own reference.
    const i = prepared.findIndex((p) => e.message.includes(`reference ${p.draft.reference} `));
    return i < 0 ? 0 : i;
  }
}
