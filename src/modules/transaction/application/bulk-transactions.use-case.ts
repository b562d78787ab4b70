import { Injectable } from '@nestjs/common';
import { DomainError } from '@libs/core/domain-error';
import { IdGenerator } from '@libs/core/ids';
import { rolledBack, UnitOfWork } from '@libs/core/unit-of-work';
import { BalancePostingService } from '../../balance/application/balance-posting.service';
import type { RecordTransactionInput } from '../domain/record-request';
import { TransactionRepository } from './ports/transaction.repository';
import { PostingSession } from './posting-session';
import { TransactionPreview, transactionPreview, tryApply } from './preview';
import {
  endpointsOf,
  PreparedTransaction,
  RecordTransactionUseCase,
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
 */
@Injectable()
export class BulkTransactionsUseCase {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly balances: BalancePostingService,
    private readonly transactions: TransactionRepository,
    private readonly record: RecordTransactionUseCase,
    private readonly queued: QueueTransactionUseCase,
    private readonly ids: IdGenerator,
  ) {}

  async execute(req: BulkRequest): Promise<BulkOutcome> {
    const batchId = this.ids.next('bulk');
    const prepared = this.prepare(req, batchId);
    if (!req.skipQueue || req.runAsync) {
      // Queued (and run_async): written durably now, applied by workers; an atomic batch is one
      // group that is applied all or none.
      try {
        await this.queued.acceptAll(prepared, req.atomic ? batchId : undefined);
      } catch (e) {
        if (!(e instanceof DomainError)) throw e;
        const index =
          e.code === 'TXN_DUPLICATE_REFERENCE' ? this.indexOfReference(prepared, e.message) : 0;
        throw this.batchFailure(prepared, index, batchId, true, e);
      }
      return {
        batchId,
        status: req.inflight ? 'inflight' : 'applied',
        count: prepared.length,
        queued: true,
      };
    }
    if (req.atomic) {
      await this.uow.run(async (tx) => {
        const session = new PostingSession(tx, this.balances, this.transactions);
        await session.open(endpointsOf(prepared));
        await session.loadTakenReferences(
          prepared.flatMap((p) => p.plan.legs.map((l) => l.reference)),
        );
        for (const [i, p] of prepared.entries()) {
          await this.guard(prepared, i, batchId, true, () => {
            session.claimReferences(p.plan.legs.map((l) => l.reference));
            this.record.apply(session, p);
          });
        }
        await session.flush();
      });
    } else {
      for (const [i, p] of prepared.entries()) {
        await this.guard(prepared, i, batchId, false, () =>
          this.uow.run(async (tx) => {
            const session = new PostingSession(tx, this.balances, this.transactions);
            await session.open(endpointsOf([p]));
            await session.checkReferences(p.plan.legs.map((l) => l.reference));
            this.record.apply(session, p);
            await session.flush();
          }),
        );
      }
    }
    return { batchId, status: req.inflight ? 'inflight' : 'applied', count: prepared.length };
  }

  /** Dry run: every item projected in order on the same (rolled back) balances. */
  async preview(req: BulkRequest): Promise<BulkPreview> {
    const prepared = this.prepare(req, this.ids.next('bulk'));
    return rolledBack(this.uow, async (tx) => {
      const session = new PostingSession(tx, this.balances, this.transactions);
      await session.open(endpointsOf(prepared));
      await session.loadTakenReferences(
        prepared.flatMap((p) => p.plan.legs.map((l) => l.reference)),
      );
      const results: TransactionPreview[] = [];
      for (const p of prepared) {
        const rejection = await tryApply(() => {
          session.claimReferences(p.plan.legs.map((l) => l.reference));
          this.record.apply(session, p);
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

  private prepare(req: BulkRequest, batchId: string): PreparedTransaction[] {
    if (!req.items.length) throw new DomainError('TXN_BULK_EMPTY', 'transactions cannot be empty');
    if (req.items.length > BULK_LIMIT) {
      throw new DomainError(
        'TXN_BULK_LIMIT_EXCEEDED',
        `a batch holds at most ${BULK_LIMIT} transactions`,
      );
    }
    return req.items.map((item, i) => {
      const fail = (message: string) =>
        new DomainError(
          'TXN_VALIDATION_ERROR',
          `transactions[${i}]: ${message}`,
          { index: i },
          'errors',
        );
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
      `Destination: ${d.destination ?? 'split'}, Amount: ${d.amount}): ${e.message}` +
      (nothingApplied
        ? '. No transaction in this batch was applied.'
        : '. Previous transactions were not rolled back.');
    return new DomainError(e.code, message, { batch_id: batchId, index }, 'error', {
      batch_id: batchId,
    });
  }

  private indexOfReference(prepared: PreparedTransaction[], message: string): number {
    const i = prepared.findIndex((p) => message.includes(`reference ${p.draft.reference} `));
    return i < 0 ? 0 : i;
  }
}
