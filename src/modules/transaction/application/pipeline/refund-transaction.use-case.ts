import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { IdGenerator } from '@libs/core/ids';
import { rolledBack, Tx, UnitOfWork } from '@libs/core/unit-of-work';
import type { MetaData, Transaction } from '../../domain/transaction';
import {
  alreadyRefunded,
  isItselfARefund,
  notRefundable,
  transactionNotFound,
} from '../../domain/transaction.errors';
import { refundRow } from '../../domain/rows';
import { TransactionRepository } from '../ports/transaction.repository';
import { PostingSession, PostingSessions } from '../posting-session';
import { balancePreviews, TransactionPreview, tryApply } from '../preview';
import { QueuedEngine } from '../queued/queued-engine';

export interface RefundRequest {
  id: string;
  skipQueue?: boolean;
  description?: string;
  metaData?: MetaData | null;
  /**
   * The scoped API key making the refund (reference §1.2 `BLNK_GENERATED_BY`); absent for the
   * master key and with auth off. The refunded row's own stamp is never copied: it names who
   * created that row, not who refunded it.
   */
  generatedBy?: string;
}

/**
 * POST /refund-transaction/:id (reference §5.10): reverses each APPLIED row `id` names (itself,
 * or its commits and legs) with a new row swapping source and destination, `refund_of` = the
 * row. A unique index on `refund_of` makes a second refund of the same row impossible, however
 * the requests race; whether a row is a refund, or was refunded, is read from that column only.
 */
@Injectable()
export class RefundTransactionUseCase {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly sessions: PostingSessions,
    private readonly transactions: TransactionRepository,
    private readonly engine: QueuedEngine,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async execute(r: RefundRequest): Promise<Transaction[]> {
    // Two refunds of one row in flight at once: the later one meets the unique index on
    // refund_of, which the repository reports as "already refunded".
    return this.uow.run(async (tx) => {
      const session = await this.refund(tx, r);
      await session.flush();
      return [...session.appended];
    });
  }

  /**
   * The default (queued) path: the refund rows are written QUEUED now (their `refund_of` taken,
   * so a second refund is refused at once) and applied by a worker like any
   * queued transaction, all of them or none.
   */
  async enqueue(r: RefundRequest): Promise<Transaction[]> {
    await this.engine.admit();
    const { rows, wake } = await this.uow.run(async (tx) => {
      const targets = await this.targets(tx, r.id);
      await this.refuseRefunded(tx, targets);
      const now = this.clock.now();
      const references = await this.referencesFor(tx, targets, true);
      const rows = targets.map((t, i) => this.refundOf(t, r, now, references[i], 'QUEUED'));
      for (const row of rows) row.queuedParent = rows[0].transactionId;
      await this.transactions.insert(tx, rows);
      const wake = await this.engine.acceptRequests(tx, [
        { id: rows[0].transactionId, rows, runAt: now },
      ]);
      return { rows, wake };
    });
    await this.engine.wake(wake);
    return rows;
  }

  async preview(r: RefundRequest): Promise<TransactionPreview> {
    return rolledBack(this.uow, async (tx) => {
      const targets = await this.targets(tx, r.id);
      const session = this.sessions.start(tx);
      await session.open(
        [],
        targets.flatMap((t) => [t.source, t.destination]),
      );
      const rejection = await tryApply(() => this.reverse(session, targets, r));
      const roles = new Map<string, 'source' | 'destination'>();
      for (const t of targets) roles.set(t.destination, 'source').set(t.source, 'destination');
      const first = targets[0];
      return {
        wouldApply: rejection === undefined,
        rejection,
        status: rejection ? undefined : 'APPLIED',
        reference: `${first.transactionId}_refund`,
        currency: first.currency,
        amount: first.amount,
        preciseAmount: first.preciseAmount,
        precision: first.precision,
        balances: balancePreviews(session, roles),
        legs: [],
        notes:
          targets.length > 1
            ? [`${targets.length} rows would be refunded; the first is shown`]
            : [],
      };
    });
  }

  private async refund(tx: Tx, r: RefundRequest): Promise<PostingSession> {
    const targets = await this.targets(tx, r.id);
    const session = this.sessions.start(tx);
    await session.open(
      [],
      targets.flatMap((t) => [t.source, t.destination]),
    );
    await this.reverse(session, targets, r);
    return session;
  }

  private async targets(tx: Tx, id: string): Promise<Transaction[]> {
    const targets = await this.transactions.lockRefundable(tx, id);
    if (targets.length) return targets;
    const member = await this.transactions.findFamilyMember(id, tx);
    if (!member) throw transactionNotFound(id);
    if (member.refundOf !== null && member.transactionId === id) {
      throw isItselfARefund(id);
    }
    throw notRefundable(id, member.status);
  }

  private async reverse(
    session: PostingSession,
    targets: Transaction[],
    r: RefundRequest,
  ): Promise<void> {
    await this.refuseRefunded(session.tx, targets);
    const references = await this.referencesFor(session.tx, targets, false);
    const now = this.clock.now();
    targets.forEach((t, i) => {
      // Refunds always allow overdraft (reference §5.6): the money goes back even if it was spent.
      session.transfer(this.refundOf(t, r, now, references[i], 'APPLIED'), {
        allowOverdraft: true,
        overdraftLimit: 0n,
      });
    });
  }

  /** Whether a row was refunded is a column (`refund_of`), never a reference a client could take. */
  private async refuseRefunded(tx: Tx, targets: Transaction[]): Promise<void> {
    const done = await this.transactions.refunded(
      tx,
      targets.map((t) => t.transactionId),
    );
    const first = targets.find((t) => done.has(t.transactionId));
    if (first) throw alreadyRefunded(first.transactionId);
  }

  /**
   * `<row id>_refund`, as Blnk names a refund; if a client has taken that reference for a row of
   * its own, the refund is named `<row id>_refund_<refund id>` instead of being blocked by it.
   */
  private async referencesFor(tx: Tx, targets: Transaction[], queued: boolean): Promise<string[]> {
    const wanted = targets.map((t) => `${t.transactionId}_refund`);
    const taken = await this.transactions.existingReferences(
      tx,
      wanted.flatMap((w) => (queued ? [w, `${w}_q`] : [w])),
    );
    return wanted.map((w) =>
      taken.has(w) || taken.has(`${w}_q`) ? `${w}_${this.ids.next('ref').slice(4)}` : w,
    );
  }

  /** The row that reverses `t`: swapped sides, same amount. */
  private refundOf(
    t: Transaction,
    r: RefundRequest,
    now: Date,
    reference: string,
    status: 'APPLIED' | 'QUEUED',
  ): Transaction {
    const meta: MetaData = { ...(t.metaData ?? {}), ...(r.metaData ?? {}) };
    delete meta.BLNK_GENERATED_BY;
    if (r.generatedBy) meta.BLNK_GENERATED_BY = r.generatedBy;
    return refundRow(t, {
      transactionId: this.ids.next('txn'),
      reference,
      description: r.description,
      metaData: Object.keys(meta).length ? meta : null,
      status,
      now,
    });
  }
}
