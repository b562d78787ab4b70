import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { DomainError } from '@libs/core/domain-error';
import { IdGenerator } from '@libs/core/ids';
import { rolledBack, Tx, UnitOfWork } from '@libs/core/unit-of-work';
import { BalancePostingService } from '../../balance/application/balance-posting.service';
import { transactionHash } from '../domain/hash';
import type { MetaData, Transaction } from '../domain/transaction';
import { transactionNotFound } from '../domain/transaction.errors';
import { TransactionRepository } from './ports/transaction.repository';
import { QueuedWorkRepository } from './ports/queued-work.repository';
import { WorkQueue } from './ports/work-queue';
import { QueueSettings } from './queue-settings';
import { laneOf } from '../domain/lane';
import { PostingSession } from './posting-session';
import { balancePreviews, TransactionPreview, tryApply } from './preview';

export interface RefundRequest {
  id: string;
  skipQueue?: boolean;
  description?: string;
  metaData?: MetaData | null;
}

export const alreadyRefunded = (id: string) =>
  new DomainError('GEN_CONFLICT', `transaction ${id} has already been refunded`);

/**
 * POST /refund-transaction/:id (reference §5.10): reverses each APPLIED row `id` names (itself,
 * or its commits and legs) with a new row swapping source and destination. The refund's
 * reference is `<row id>_refund`; the unique index on references makes a second refund of the
 * same row impossible, however the requests race.
 */
@Injectable()
export class RefundTransactionUseCase {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly balances: BalancePostingService,
    private readonly transactions: TransactionRepository,
    private readonly work: QueuedWorkRepository,
    private readonly queue: WorkQueue,
    private readonly settings: QueueSettings,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async execute(r: RefundRequest): Promise<Transaction[]> {
    try {
      return await this.uow.run(async (tx) => {
        const session = await this.refund(tx, r);
        await session.flush();
        return [...session.appended];
      });
    } catch (e) {
      // Two refunds of one row in flight at once: the later one meets the unique index.
      if (e instanceof DomainError && e.code === 'TXN_DUPLICATE_REFERENCE')
        throw alreadyRefunded(r.id);
      throw e;
    }
  }

  /**
   * The default (queued) path: the refund rows are written QUEUED now (their `<id>_refund`
   * references taken, so a second refund is refused at once) and applied by a worker like any
   * queued transaction, all of them or none.
   */
  async enqueue(r: RefundRequest): Promise<Transaction[]> {
    let lane = 0;
    let rows: Transaction[];
    try {
      rows = await this.uow.run(async (tx) => {
        const targets = await this.targets(tx, r.id);
        const references = targets.flatMap((t) => [
          `${t.transactionId}_refund`,
          `${t.transactionId}_refund_q`,
        ]);
        const taken = await this.transactions.existingReferences(tx, references);
        const done = targets.find((t) => taken.has(`${t.transactionId}_refund`));
        if (done) throw alreadyRefunded(done.transactionId);
        const now = this.clock.now();
        const rows = targets.map((t) => ({
          ...this.refundOf(t, r, now),
          status: 'QUEUED' as const,
        }));
        for (const row of rows)
          row.metaData = { ...row.metaData, QUEUED_PARENT_TRANSACTION: rows[0].transactionId };
        await this.transactions.insert(tx, rows);
        lane = laneOf(rows[0].source, this.settings.lanes);
        await this.work.insert(
          tx,
          rows.map((row) => ({
            workId: row.transactionId,
            kind: 'transaction' as const,
            transactionId: row.transactionId,
            groupId: rows[0].transactionId,
            lane,
            runAt: now,
            options: {},
          })),
        );
        return rows;
      });
    } catch (e) {
      if (e instanceof DomainError && e.code === 'TXN_DUPLICATE_REFERENCE')
        throw alreadyRefunded(r.id);
      throw e;
    }
    await this.queue.signal(lane, rows[0].transactionId).catch(() => undefined);
    return rows;
  }

  async preview(r: RefundRequest): Promise<TransactionPreview> {
    return rolledBack(this.uow, async (tx) => {
      const targets = await this.targets(tx, r.id);
      const session = new PostingSession(tx, this.balances, this.transactions);
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
    const session = new PostingSession(tx, this.balances, this.transactions);
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
    if (member.reference.endsWith('_refund') && member.transactionId === id) {
      throw new DomainError('GEN_BAD_REQUEST', `transaction ${id} is itself a refund`);
    }
    throw new DomainError(
      'GEN_BAD_REQUEST',
      `transaction ${id} cannot be refunded in status ${member.status} (only APPLIED transactions can)`,
    );
  }

  private async reverse(
    session: PostingSession,
    targets: Transaction[],
    r: RefundRequest,
  ): Promise<void> {
    const references = targets.map((t) => `${t.transactionId}_refund`);
    const taken = await this.transactions.existingReferences(session.tx, references);
    const done = targets.find((t) => taken.has(`${t.transactionId}_refund`));
    if (done) throw alreadyRefunded(done.transactionId);
    const now = this.clock.now();
    for (const t of targets) {
      // Refunds always allow overdraft (reference §5.6): the money goes back even if it was spent.
      session.transfer(this.refundOf(t, r, now), { allowOverdraft: true, overdraftLimit: 0n });
    }
  }

  /** The row that reverses `t`: swapped sides, same amount, reference `<t id>_refund`. */
  private refundOf(t: Transaction, r: RefundRequest, now: Date): Transaction {
    const reference = `${t.transactionId}_refund`;
    const meta: MetaData = { ...(t.metaData ?? {}), ...(r.metaData ?? {}), allow_overdraft: true };
    delete meta.inflight;
    delete meta.QUEUED_PARENT_TRANSACTION;
    return {
      ...t,
      transactionId: this.ids.next('txn'),
      parentTransaction: t.transactionId,
      source: t.destination,
      destination: t.source,
      reference,
      description: r.description ?? t.description,
      status: 'APPLIED',
      hash: transactionHash(t.amount, reference, t.currency, t.destination, t.source),
      createdAt: now,
      effectiveDate: now,
      scheduledFor: null,
      metaData: meta,
    };
  }
}
