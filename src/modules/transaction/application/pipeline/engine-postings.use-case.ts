import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { divideToDecimalString } from '@libs/core/decimal';
import { IdGenerator } from '@libs/core/ids';
import type { Tx } from '@libs/core/unit-of-work';
import { transactionHash } from '../../domain/hash';
import { planCommit, planVoid } from '../../domain/inflight';
import { settlementRow } from '../../domain/rows';
import { MetaData, NO_ENGINE_FIELDS, Transaction } from '../../domain/transaction';
import { notInflight } from '../../domain/transaction.errors';
import { TransactionRepository } from '../ports/transaction.repository';
import { PostingSessions } from '../posting-session';

/** Fields every engine posting carries. */
interface EnginePostingBase {
  /** The reference wanted (Blnk's name for it) and the one used when a client took that. */
  reference: string;
  fallbackReference: string;
  metaData: MetaData;
}

/** A transfer (or, `inflight`, a hold) between two `@indicator` balances, overdraft allowed. */
export interface EngineTransfer extends EnginePostingBase {
  kind: 'transfer';
  source: string;
  destination: string;
  currency: string;
  precision: bigint;
  preciseAmount: bigint;
  description: string;
  inflight: boolean;
}

/** A commit of `preciseAmount` of an engine hold, or a void of what remains of it. */
export interface EngineSettlement extends EnginePostingBase {
  kind: 'commit' | 'void';
  holdId: string;
  preciseAmount: bigint;
}

export type EnginePosting = EngineTransfer | EngineSettlement;

/** The row appended: its id and the balance ids of its two sides. */
export interface EnginePosted {
  transactionId: string;
  source: string;
  destination: string;
}

/**
 * Rows the engine writes on its own account, not a client's request: fund lineage's shadow
 * transactions (reference §15). They skip the submission pipeline's request steps (validation
 * of a client body, pre-transaction hooks, the queue) because no client sent them, but move
 * money through the same posting session, row factories and funds arithmetic as every request,
 * in the caller's database transaction (so the caller can record, in the same commit, that the
 * posting was made). Only such a session may touch shadow balances.
 */
@Injectable()
export class EnginePostingsUseCase {
  constructor(
    private readonly sessions: PostingSessions,
    private readonly transactions: TransactionRepository,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  /**
   * Appends one posting in `tx`.
   * @throws DomainError TXN_NOT_FOUND / TXN_ALREADY_* when a settlement names no open engine hold.
   */
  async post(tx: Tx, p: EnginePosting): Promise<EnginePosted> {
    const session = this.sessions.start(tx, { shadow: true });
    const taken = await this.transactions.existingReferences(tx, [p.reference]);
    const reference = taken.has(p.reference) ? p.fallbackReference : p.reference;
    await session.checkReferences([reference]);
    const now = this.clock.now();
    let row: Transaction;
    if (p.kind === 'transfer') {
      await session.open([
        { identifier: p.source, currency: p.currency },
        { identifier: p.destination, currency: p.currency },
      ]);
      const source = session.idOf(p.source, p.currency);
      const destination = session.idOf(p.destination, p.currency);
      const amount = divideToDecimalString(p.preciseAmount, p.precision);
      row = {
        ...NO_ENGINE_FIELDS,
        allowOverdraft: true,
        inflight: p.inflight,
        transactionId: this.ids.next('txn'),
        parentTransaction: '',
        source,
        destination,
        reference,
        amount,
        preciseAmount: p.preciseAmount,
        precision: p.precision,
        currency: p.currency,
        description: p.description,
        status: p.inflight ? 'INFLIGHT' : 'APPLIED',
        hash: transactionHash(amount, reference, p.currency, source, destination),
        createdAt: now,
        effectiveDate: now,
        scheduledFor: null,
        metaData: p.metaData,
      };
      session.transfer(row, { allowOverdraft: true, overdraftLimit: 0n });
    } else {
      const [hold] = await this.transactions.lockInflight(tx, p.holdId);
      if (!hold || hold.transactionId !== p.holdId) throw notInflight(p.holdId);
      const state = {
        hold,
        ...(await this.transactions.holdStates(tx, [hold.transactionId])).get(hold.transactionId)!,
      };
      await session.open([], [hold.source, hold.destination]);
      row = {
        ...settlementRow(hold, {
          transactionId: this.ids.next('txn'),
          reference,
          amount: p.kind === 'void' ? planVoid(state) : planCommit(state, p.preciseAmount),
          status: p.kind === 'void' ? 'VOID' : 'APPLIED',
          now,
        }),
        metaData: p.metaData,
      };
      session.settle(row);
    }
    await session.flush();
    return { transactionId: row.transactionId, source: row.source, destination: row.destination };
  }
}
