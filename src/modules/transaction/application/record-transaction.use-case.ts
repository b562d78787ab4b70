import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { DomainError } from '@libs/core/domain-error';
import { IdGenerator } from '@libs/core/ids';
import { Tx, UnitOfWork } from '@libs/core/unit-of-work';
import { BalancePostingService } from '../../balance/application/balance-posting.service';
import type { Balance } from '../../balance/domain/balance';
import { toMinorUnits } from '../domain/amounts';
import { transactionHash } from '../domain/hash';
import { post } from '../domain/posting';
import {
  RecordTransactionInput,
  TransactionDraft,
  validateRecordRequest,
} from '../domain/record-request';
import type { Transaction, TransactionFlags } from '../domain/transaction';
import {
  balanceMissing,
  currencyMismatch,
  nonPositiveAmount,
  sameBalance,
  validationError,
} from '../domain/transaction.errors';
import { TransactionRepository } from './ports/transaction.repository';

export interface RecordedTransaction {
  transaction: Transaction;
  flags: TransactionFlags;
}

/**
 * POST /transactions on the synchronous path (skip_queue): one database transaction resolves
 * `@indicator` balances, locks the touched balances in id order, appends the row (a duplicate
 * reference fails here, before any funds are looked at), checks funds and writes the balances.
 */
@Injectable()
export class RecordTransactionUseCase {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly balances: BalancePostingService,
    private readonly transactions: TransactionRepository,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async execute(input: RecordTransactionInput): Promise<RecordedTransaction> {
    const draft = validateRecordRequest(input);
    if (draft.sources || draft.destinations) {
      throw new DomainError(
        'GEN_BAD_REQUEST',
        'split transactions (sources/destinations) are not available yet',
      );
    }
    if (!draft.flags.skipQueue) {
      throw new DomainError(
        'GEN_BAD_REQUEST',
        'queued transactions are not available yet: send "skip_queue": true to apply the transaction now',
      );
    }
    if (input.dryRun) {
      throw new DomainError('GEN_BAD_REQUEST', 'dry_run is not available yet; nothing was applied');
    }
    if (draft.scheduledFor) {
      // Blnk applies such a request at once, schedule ignored; a payment meant for later must not
      // move money now, so the combination is refused instead.
      throw validationError({
        scheduled_for: 'cannot be combined with skip_queue: a scheduled transaction is queued',
      });
    }
    if (draft.preciseAmount <= 0n) throw nonPositiveAmount();
    const transactionId = this.ids.next('txn');
    const transaction = await this.uow.run((tx) => this.apply(tx, draft, transactionId));
    return { transaction, flags: draft.flags };
  }

  private async apply(tx: Tx, d: TransactionDraft, transactionId: string): Promise<Transaction> {
    const resolved = await this.balances.resolve(tx, [d.source!, d.destination!], d.currency);
    const sourceId = resolved.get(d.source!)!;
    const destinationId = resolved.get(d.destination!)!;
    if (sourceId === destinationId) throw sameBalance();
    const locked = await this.balances.lock(tx, [sourceId, destinationId]);
    const source = this.present(locked, sourceId, d.currency);
    const destination = this.present(locked, destinationId, d.currency);

    const now = this.clock.now();
    const row: Transaction = {
      transactionId,
      parentTransaction: '',
      source: sourceId,
      destination: destinationId,
      reference: d.reference,
      amount: d.amount,
      preciseAmount: d.preciseAmount,
      precision: d.precision,
      currency: d.currency,
      description: d.description,
      status: d.flags.inflight ? 'INFLIGHT' : 'APPLIED',
      hash: transactionHash(d.amount, d.reference, d.currency, sourceId, destinationId),
      createdAt: now,
      effectiveDate: d.effectiveDate ?? now,
      scheduledFor: null,
      metaData: d.metaData,
    };
    await this.transactions.insert(tx, [row]);
    post(source, destination, d.preciseAmount, {
      inflight: d.flags.inflight,
      rules: {
        allowOverdraft: d.flags.allowOverdraft,
        overdraftLimit: toMinorUnits(d.flags.overdraftLimit, d.precision),
      },
    });
    await this.balances.save(tx, [source, destination]);
    return row;
  }

  private present(locked: Map<string, Balance>, id: string, currency: string): Balance {
    const b = locked.get(id);
    if (!b) throw balanceMissing(id);
    if (b.currency !== currency) throw currencyMismatch(id, b.currency, currency);
    return b;
  }
}
