import { Injectable } from '@nestjs/common';
import { DomainError } from '@libs/core/domain-error';
import { inSpan } from '@libs/telemetry/trace-context';
import type { RecordTransactionInput } from '../domain/record-request';
import type { Transaction } from '../domain/transaction';
import {
  BulkOutcome,
  BulkPreview,
  BulkRequest,
  BulkTransactionsUseCase,
} from './pipeline/bulk-transactions.use-case';
import { BulkInflightResult, BulkInflightUseCase } from './pipeline/bulk-inflight.use-case';
import type { TransactionPreview } from './preview';
import { QueueTransactionUseCase } from './pipeline/queue-transaction.use-case';
import {
  RecordedTransaction,
  RecordTransactionUseCase,
} from './pipeline/record-transaction.use-case';
import { RefundRequest, RefundTransactionUseCase } from './pipeline/refund-transaction.use-case';
import { InflightUpdate, UpdateInflightUseCase } from './pipeline/update-inflight.use-case';
import { TransactionHooks } from './ports/transaction-hooks';
import { TransactionQueries } from './transaction-queries.use-case';
import { vetoedByHook } from '../domain/transaction.errors';
import { refundRow } from '../domain/rows';

/** How a submission asked to be handled: `dry_run`, `skip_queue`. */
export interface SubmissionMode {
  dryRun?: boolean;
  skipQueue?: boolean;
}

/** Where the pipeline sent a submission, with what came back. */
export type Routed<Done, Preview> =
  | { route: 'preview'; preview: Preview }
  | { route: 'post'; done: Done }
  | { route: 'queue'; done: Done };

type Routes<Done, Preview> = {
  preview: () => Promise<Preview>;
  post: () => Promise<Done>;
  queue: () => Promise<Done>;
};

/**
 * The one entry point of every money-moving request: single and split transfers, bulk batches,
 * refunds, commits and voids of holds (one or many), queued or not, dry run or not. Each goes
 * through the same steps: validate → prepare → route to a preview (nothing written), the
 * synchronous posting path (`skip_queue`) or queued acceptance (the default). Controllers call
 * this and nothing else, so what every request passes through is decided here — the place where
 * pre-transaction hooks plug in, between prepare and route. (An Idempotency-Key is recorded by
 * the unit of work of whatever the request writes, not here: docs/architecture.md.)
 */
@Injectable()
export class TransactionSubmissions {
  constructor(
    private readonly record: RecordTransactionUseCase,
    private readonly queued: QueueTransactionUseCase,
    private readonly bulkUseCase: BulkTransactionsUseCase,
    private readonly inflight: UpdateInflightUseCase,
    private readonly bulkInflight: BulkInflightUseCase,
    private readonly refunds: RefundTransactionUseCase,
    private readonly hooks: TransactionHooks,
    private readonly queries: TransactionQueries,
  ) {}

  /**
   * Blocking pre-transaction hooks decide before anything is written, outside any database
   * transaction, on every path that moves money (a dry run writes nothing and asks no hook).
   * @throws DomainError TXN_REJECTED_BY_HOOK with the hook's message.
   */
  private async approve(proposal: Transaction, bulkIndex?: number): Promise<void> {
    const verdict = await this.hooks.approve(proposal);
    if (verdict.approved) return;
    const e = vetoedByHook(verdict.message);
    throw bulkIndex === undefined ? e : Object.assign(e, { details: { index: bulkIndex } });
  }

  /** POST /transactions. @throws DomainError for a refused request (nothing written). */
  async transaction(
    input: RecordTransactionInput,
  ): Promise<Routed<RecordedTransaction, TransactionPreview>> {
    // Validated and planned once, whatever the route; a refusal here writes nothing.
    const prepared = this.record.prepare(input);
    if (!input.dryRun && (await this.hooks.enabled())) {
      await this.approve(this.record.proposal(prepared));
    }
    return this.route(
      { dryRun: input.dryRun, skipQueue: input.skipQueue },
      {
        preview: () => this.record.preview(input),
        post: () => this.record.post(prepared),
        queue: () => this.queued.accept(prepared),
      },
    );
  }

  /** POST /transactions/bulk: the batch routes itself item by item (run_async queues). */
  async bulk(request: BulkRequest & SubmissionMode): Promise<Routed<BulkOutcome, BulkPreview>> {
    if (!request.dryRun && (await this.hooks.enabled())) {
      // Every item asks before any is applied: a refusal refuses the batch, naming the item.
      // (An item that is invalid is left to the batch, which refuses it with its own message.)
      for (const [i, item] of request.items.entries()) {
        if (!item) continue;
        let proposal: Transaction;
        try {
          proposal = this.record.proposal(
            this.record.prepare({ ...item, skipQueue: request.skipQueue && !request.runAsync }),
          );
        } catch (e) {
          if (!(e instanceof DomainError)) throw e;
          continue;
        }
        await this.approve(proposal, i);
      }
    }
    const run = () => this.bulkUseCase.execute(request);
    return this.route(
      { dryRun: request.dryRun, skipQueue: request.skipQueue && !request.runAsync },
      { preview: () => this.bulkUseCase.preview(request), post: run, queue: run },
    );
  }

  /** PUT /transactions/inflight/:id: commit all or part of a hold, or void what remains. */
  settle(
    update: InflightUpdate & SubmissionMode,
  ): Promise<Routed<Transaction[], TransactionPreview>> {
    return this.route(update, {
      preview: () => this.inflight.preview(update),
      post: () => this.inflight.execute(update),
      queue: async () => [await this.inflight.enqueue(update)],
    });
  }

  /** POST /transactions/inflight/bulk/commit|void: each hold on its own. */
  settleMany(
    updates: InflightUpdate[],
    mode: SubmissionMode,
  ): Promise<Routed<BulkInflightResult[], TransactionPreview[]>> {
    return this.route(mode, {
      preview: () => this.bulkInflight.preview(updates),
      post: () => this.bulkInflight.execute(updates, true),
      queue: () => this.bulkInflight.execute(updates, false),
    });
  }

  /** POST /refund-transaction/:id. */
  async refund(
    request: RefundRequest & SubmissionMode,
  ): Promise<Routed<Transaction[], TransactionPreview>> {
    if (!request.dryRun && (await this.hooks.enabled())) {
      // The refund as it would be written, from the row it reverses (a split or batch id, which
      // has no row of its own, asks with its first member).
      const original = await this.queries.findForRefund(request.id);
      if (original) {
        await this.approve(
          refundRow(original, {
            transactionId: '',
            reference: `${original.transactionId}_refund`,
            description: request.description,
            metaData: original.metaData,
            status: request.skipQueue ? 'APPLIED' : 'QUEUED',
            now: new Date(),
          }),
        );
      }
    }
    return this.route(request, {
      preview: () => this.refunds.preview(request),
      post: () => this.refunds.execute(request),
      queue: () => this.refunds.enqueue(request),
    });
  }

  private async route<Done, Preview>(
    mode: SubmissionMode,
    routes: Routes<Done, Preview>,
  ): Promise<Routed<Done, Preview>> {
    if (mode.dryRun) return { route: 'preview', preview: await routes.preview() };
    // The acceptance span (telemetry on): queued work carries its context to the drain.
    if (mode.skipQueue) {
      return inSpan('neraca.transaction.accept', { 'neraca.route': 'post' }, async () => ({
        route: 'post',
        done: await routes.post(),
      }));
    }
    return inSpan('neraca.transaction.accept', { 'neraca.route': 'queue' }, async () => ({
      route: 'queue',
      done: await routes.queue(),
    }));
  }
}
