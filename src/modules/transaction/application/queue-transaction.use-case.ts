import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { IdGenerator } from '@libs/core/ids';
import { holdDateWork } from './hold-dates';
import { DomainError } from '@libs/core/domain-error';
import { UnitOfWork } from '@libs/core/unit-of-work';
import { BalancePostingService } from '../../balance/application/balance-posting.service';
import { transactionHash } from '../domain/hash';
import { laneOf } from '../domain/lane';
import type { RecordTransactionInput } from '../domain/record-request';
import type { Transaction } from '../domain/transaction';
import {
  balanceMissing,
  currencyMismatch,
  duplicateReference,
  sameBalance,
} from '../domain/transaction.errors';
import { QueuedWorkRepository } from './ports/queued-work.repository';
import { TransactionRepository } from './ports/transaction.repository';
import { WorkQueue } from './ports/work-queue';
import { QueueSettings } from './queue-settings';
import {
  endpointsOf,
  RecordedTransaction,
  RecordTransactionUseCase,
} from './record-transaction.use-case';

/**
 * POST /transactions on the default (queued) path. Everything that can be known now is checked
 * now — shape, amounts, balances exist, currencies match, the reference (and its `_q` outcome
 * reference) is free — and the QUEUED row (SCHEDULED with `scheduled_for`, or one row per split
 * leg, `R_1…R_n`) is committed together with its work item before the 201 is sent: an accepted
 * request survives any crash. Funds are checked when a worker applies it (reference §5.3 A).
 */
@Injectable()
export class QueueTransactionUseCase {
  private readonly logger = new Logger('QueueTransaction');

  constructor(
    private readonly uow: UnitOfWork,
    private readonly balances: BalancePostingService,
    private readonly transactions: TransactionRepository,
    private readonly work: QueuedWorkRepository,
    private readonly queue: WorkQueue,
    private readonly record: RecordTransactionUseCase,
    private readonly settings: QueueSettings,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async execute(input: RecordTransactionInput): Promise<RecordedTransaction> {
    const p = this.record.prepare(input);
    if (
      this.settings.maxPending > 0 &&
      (await this.work.pendingCount()) >= this.settings.maxPending
    ) {
      throw new DomainError(
        'QUEUE_BACKPRESSURE',
        'queue backpressure: too much work is waiting, try again later',
      );
    }
    const d = p.draft;
    const now = this.clock.now();
    const runAt = d.scheduledFor && d.scheduledFor > now ? d.scheduledFor : now;
    const { rows, lane } = await this.uow.run(async (tx) => {
      const { ids } = await this.balances.resolve(tx, endpointsOf([p]));
      const idOf = (identifier: string) =>
        ids.get(identifier.startsWith('@') ? `${identifier}\u0000${d.currency}` : identifier)!;
      const currencies = await this.balances.currencies(tx, [...ids.values()]);
      for (const id of ids.values()) {
        const currency = currencies.get(id);
        if (currency === undefined) throw balanceMissing(id);
        if (currency !== d.currency) throw currencyMismatch(id, currency, d.currency);
      }
      const rows: Transaction[] = p.plan.legs.map((leg) => {
        const source = idOf(leg.source);
        const destination = idOf(leg.destination);
        if (source === destination) throw sameBalance();
        // Queued split legs are referenced R_1…R_n (underscore), as Blnk does.
        const reference = p.plan.split ? `${d.reference}_${(leg.position ?? 0) + 1}` : d.reference;
        return {
          transactionId: leg.transactionId,
          parentTransaction: p.plan.split ? p.plan.transactionId : '',
          source,
          destination,
          reference,
          amount: leg.amount,
          preciseAmount: leg.preciseAmount,
          precision: d.precision,
          currency: d.currency,
          description: d.description,
          status: d.scheduledFor ? 'SCHEDULED' : 'QUEUED',
          hash: transactionHash(leg.amount, reference, d.currency, source, destination),
          createdAt: now,
          effectiveDate: d.effectiveDate ?? now,
          scheduledFor: d.scheduledFor,
          metaData: { ...(d.metaData ?? {}), QUEUED_PARENT_TRANSACTION: p.plan.transactionId },
        };
      });
      // The outcome of each row will be referenced `<reference>_q`; both must be free.
      const references = rows.flatMap((r) => [r.reference, `${r.reference}_q`]);
      const taken = await this.transactions.existingReferences(tx, references);
      const clash = references.find((r) => taken.has(r));
      if (clash !== undefined)
        throw duplicateReference(clash.endsWith('_q') ? clash.slice(0, -2) : clash);
      await this.transactions.insert(tx, rows);
      const lane = laneOf(rows[0].source, this.settings.lanes);
      await this.work.insert(tx, [
        ...rows.map((row) => ({
          workId: row.transactionId,
          kind: 'transaction' as const,
          transactionId: row.transactionId,
          groupId: p.plan.transactionId,
          lane,
          runAt,
          options: { overdraft_limit: d.flags.overdraftLimit },
        })),
        ...holdDateWork(d.flags, p.plan.transactionId, lane, () => this.ids.next('act')),
      ]);
      return { rows, lane };
    });
    // After the commit, outside the database transaction: a lost signal only delays the work
    // until the sweep finds it.
    await this.queue.signal(lane, p.plan.transactionId, runAt).catch((e: unknown) => {
      this.logger.warn(
        `could not signal lane ${lane}; the sweep will pick the work up: ${String(e)}`,
      );
    });
    return {
      transaction: this.record.headline(p, rows),
      flags: d.flags,
      draft: d,
      legs: rows,
      plan: p.plan,
    };
  }
}
