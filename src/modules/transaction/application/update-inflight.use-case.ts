import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { divideToDecimalString, formatFloat } from '@libs/core/decimal';
import { DomainError } from '@libs/core/domain-error';
import { IdGenerator } from '@libs/core/ids';
import { rolledBack, Tx, UnitOfWork } from '@libs/core/unit-of-work';
import { BalancePostingService } from '../../balance/application/balance-posting.service';
import { toMinorUnits } from '../domain/amounts';
import { transactionHash } from '../domain/hash';
import { HoldState, planCommit, planVoid } from '../domain/inflight';
import type { Transaction } from '../domain/transaction';
import { transactionNotFound } from '../domain/transaction.errors';
import { TransactionRepository } from './ports/transaction.repository';
import { PostingSession } from './posting-session';
import { balancePreviews, TransactionPreview, tryApply } from './preview';

export interface InflightUpdate {
  id: string;
  status: string;
  /** Major units; converted with the hold's own precision. */
  amount?: number;
  preciseAmount?: bigint;
  skipQueue?: boolean;
}

/**
 * PUT /transactions/inflight/:id (reference §5.9): commit all or part of a hold, or void what
 * remains. The hold rows are locked FOR UPDATE before their balances, so racing commits and voids
 * of one hold take turns and see each other's children: a hold is never settled beyond its amount
 * and never both voided and committed in full.
 */
@Injectable()
export class UpdateInflightUseCase {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly balances: BalancePostingService,
    private readonly transactions: TransactionRepository,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async execute(u: InflightUpdate): Promise<Transaction[]> {
    this.validate(u);
    if (!u.skipQueue) {
      throw new DomainError(
        'GEN_BAD_REQUEST',
        'queued commit and void are not available yet: send "skip_queue": true to apply it now',
      );
    }
    return this.uow.run(async (tx) => {
      const session = await this.settle(tx, u);
      await session.flush();
      return [...session.appended];
    });
  }

  async preview(u: InflightUpdate): Promise<TransactionPreview> {
    this.validate(u);
    return rolledBack(this.uow, async (tx) => {
      const holds = await this.holds(tx, u.id);
      const session = new PostingSession(tx, this.balances, this.transactions);
      await session.open(
        [],
        holds.flatMap((h) => [h.hold.source, h.hold.destination]),
      );
      const rejection = await tryApply(() => this.apply(session, holds, u));
      const roles = new Map<string, 'source' | 'destination'>();
      for (const h of holds)
        roles.set(h.hold.source, 'source').set(h.hold.destination, 'destination');
      const rows = session.appended;
      const first = holds[0].hold;
      const total = rows.reduce((s, r) => s + r.preciseAmount, 0n);
      const notes =
        u.status === 'void' && (u.amount || u.preciseAmount)
          ? ['amount is ignored on void: a void releases all that remains']
          : [];
      return {
        wouldApply: rejection === undefined,
        rejection,
        operation: u.status as 'commit' | 'void',
        status: rejection ? undefined : u.status === 'void' ? 'VOID' : 'APPLIED',
        reference: first.reference,
        currency: first.currency,
        amount: divideToDecimalString(total, first.precision),
        preciseAmount: total,
        precision: first.precision,
        balances: balancePreviews(session, roles),
        legs: [],
        notes,
      };
    });
  }

  private validate(u: InflightUpdate): void {
    if (u.status !== 'commit' && u.status !== 'void') {
      throw new DomainError(
        'TXN_INVALID_STATUS_ACTION',
        'status not supported. use either commit or void',
      );
    }
    if (u.preciseAmount !== undefined && u.preciseAmount <= 0n) {
      throw new DomainError('TXN_INVALID_AMOUNT', 'precise_amount must be positive');
    }
    if (u.amount !== undefined && u.amount < 0)
      throw new DomainError('TXN_INVALID_AMOUNT', 'amount cannot be negative');
  }

  private async settle(tx: Tx, u: InflightUpdate): Promise<PostingSession> {
    const holds = await this.holds(tx, u.id);
    const session = new PostingSession(tx, this.balances, this.transactions);
    await session.open(
      [],
      holds.flatMap((h) => [h.hold.source, h.hold.destination]),
    );
    this.apply(session, holds, u);
    return session;
  }

  /** The holds `id` names (itself, or the legs of a split or batch), locked, with their history. */
  private async holds(tx: Tx, id: string): Promise<HoldState[]> {
    const rows = await this.transactions.lockInflight(tx, id);
    if (!rows.length) {
      const member = await this.transactions.findFamilyMember(id, tx);
      if (!member) throw transactionNotFound(id);
      throw new DomainError('TXN_NOT_INFLIGHT', `transaction ${id} is not in inflight status`);
    }
    const states = await this.transactions.holdStates(
      tx,
      rows.map((r) => r.transactionId),
    );
    return rows.map((hold) => ({ hold, ...states.get(hold.transactionId)! }));
  }

  private apply(session: PostingSession, holds: HoldState[], u: InflightUpdate): void {
    const now = this.clock.now();
    for (const h of holds) {
      // A partial amount applies to each leg, as in Blnk (reference §5.8, §17.8).
      const requested =
        u.preciseAmount ?? (u.amount ? toMinorUnits(formatFloat(u.amount), h.hold.precision) : 0n);
      const amount = u.status === 'void' ? planVoid(h) : planCommit(h, requested);
      const reference = this.ids.next('ref');
      const meta = h.hold.metaData ? { ...h.hold.metaData } : null;
      if (meta) delete meta.inflight;
      const amountText = divideToDecimalString(amount, h.hold.precision);
      session.settle({
        ...h.hold,
        transactionId: this.ids.next('txn'),
        parentTransaction: h.hold.transactionId,
        reference,
        amount: amountText,
        preciseAmount: amount,
        status: u.status === 'void' ? 'VOID' : 'APPLIED',
        hash: transactionHash(
          amountText,
          reference,
          h.hold.currency,
          h.hold.source,
          h.hold.destination,
        ),
        createdAt: now,
        effectiveDate: now,
        scheduledFor: null,
        metaData: meta && Object.keys(meta).length ? meta : null,
      });
    }
  }
}
