import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { DomainError } from '@libs/core/domain-error';
import { IdGenerator } from '@libs/core/ids';
import { Tx, UnitOfWork } from '@libs/core/unit-of-work';
import { BalancePostingService } from '../../balance/application/balance-posting.service';
import { toMinorUnits } from '../domain/amounts';
import { transactionHash } from '../domain/hash';
import { flagsFromMeta, Transaction } from '../domain/transaction';
import { QueuedWorkItem, QueuedWorkRepository } from './ports/queued-work.repository';
import { TransactionRepository } from './ports/transaction.repository';
import { PostingSession } from './posting-session';
import { QueueSettings } from './queue-settings';
import { WorkQueue } from './ports/work-queue';
import { UpdateInflightUseCase } from './update-inflight.use-case';

// How long a commit or void waits before looking again for its hold to be applied.
const POSTPONE_MS = 200;

/**
 * The worker side of the queued path: applies the due work of one lane in micro-batches. One
 * database transaction takes the lane's lock, the oldest due groups (a request and all its legs),
 * every balance they touch (locked once, in id order), applies them in order in memory, appends
 * one outcome row per queued row (`<reference>_q`: APPLIED, INFLIGHT or REJECTED with
 * `meta_data.blnk_rejection_reason`), deletes the work and commits. A hot balance is locked once
 * per batch, not once per transaction. A crash anywhere rolls the batch back and the work stays
 * to be applied again; once committed the work is gone, so nothing is ever applied twice.
 */
@Injectable()
export class DrainLaneUseCase {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly balances: BalancePostingService,
    private readonly transactions: TransactionRepository,
    private readonly work: QueuedWorkRepository,
    private readonly settings: QueueSettings,
    private readonly inflight: UpdateInflightUseCase,
    private readonly queue: WorkQueue,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}
  private readonly logger = new Logger('DrainLane');

  /** Drains everything due in `lane`; returns the number of queued rows applied or rejected. */
  async execute(lane: number): Promise<number> {
    let total = 0;
    const wakeUps: Date[] = [];
    // Until nothing more is due. Work committed after the last look brings its own signal, and
    // the queue drains the lane again for it, so no empty round is needed to be sure.
    for (;;) {
      const { count, more } = await this.uow.run((tx) => this.batch(tx, lane, wakeUps));
      total += count;
      if (!more) break;
    }
    // A postponed commit or void asks to be looked at again, after the commit.
    if (wakeUps.length)
      await this.queue
        .signal(lane, `wake:${lane}:${wakeUps[0].getTime()}`, wakeUps[0])
        .catch(() => undefined);
    return total;
  }

  private async batch(
    tx: Tx,
    lane: number,
    wakeUps: Date[],
  ): Promise<{ count: number; more: boolean }> {
    await this.work.lockLane(tx, lane);
    const now = this.clock.now();
    const { items, more } = await this.work.takeDue(tx, lane, now, this.settings.batchSize);
    if (!items.length) return { count: 0, more: false };
    if (items[0].kind !== 'transaction') {
      return { count: await this.settle(tx, items[0], now, wakeUps), more };
    }
    const session = new PostingSession(tx, this.balances, this.transactions);
    await session.open(
      [],
      items.flatMap((i) => [i.row!.source, i.row!.destination]),
    );
    for (const group of groupsOf(items)) this.applyGroup(session, group, now);
    await this.work.remove(
      tx,
      items.map((i) => i.workId),
    );
    await session.flush();
    return { count: items.length, more };
  }

  /**
   * A queued commit or void (or an expiry / auto-commit date that has come). It waits while the
   * hold itself still waits to be applied; a refusal (already settled, not inflight, too much) is
   * final and drops the work, as Blnk treats it as done.
   */
  private async settle(tx: Tx, item: QueuedWorkItem, now: Date, wakeUps: Date[]): Promise<number> {
    if (await this.work.pendingTransaction(tx, item.transactionId)) {
      const later = new Date(now.getTime() + POSTPONE_MS);
      await this.work.postpone(tx, item.workId, later);
      wakeUps.push(later);
      return 1;
    }
    try {
      await this.inflight.settleIn(tx, {
        id: item.transactionId,
        status: item.kind,
        preciseAmount: item.options.precise_amount
          ? BigInt(item.options.precise_amount)
          : undefined,
        amount: item.options.amount ? Number(item.options.amount) : undefined,
        actId: item.workId,
      });
    } catch (e) {
      // A refused reference comes from a failed statement: the database transaction is aborted
      // and must be retried, not carried on.
      if (!(e instanceof DomainError) || e.code === 'TXN_DUPLICATE_REFERENCE') throw e;
      this.logger.warn(`queued ${item.kind} of ${item.transactionId} dropped: ${e.message}`);
    }
    await this.work.remove(tx, [item.workId]);
    return 1;
  }

  /** A request is all or nothing: if one leg is refused, every leg is REJECTED with its reason. */
  private applyGroup(session: PostingSession, group: QueuedWorkItem[], now: Date): void {
    const restore = session.checkpoint();
    const outcomes = group.map((i) => this.outcomeOf(i.row!, now));
    try {
      group.forEach((item, k) => {
        const flags = flagsFromMeta(item.row!.metaData);
        const limit = item.options.overdraft_limit ?? '0';
        session.transfer(outcomes[k], {
          allowOverdraft: flags.allowOverdraft,
          overdraftLimit: toMinorUnits(limit, item.row!.precision),
        });
      });
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      restore();
      for (const o of outcomes) {
        session.note({
          ...o,
          status: 'REJECTED',
          metaData: { ...(o.metaData ?? {}), blnk_rejection_reason: e.message },
        });
      }
    }
  }

  private outcomeOf(row: Transaction, now: Date): Transaction {
    const reference = `${row.reference}_q`;
    const inflight = flagsFromMeta(row.metaData).inflight;
    return {
      ...row,
      transactionId: this.ids.next('txn'),
      parentTransaction: row.transactionId,
      reference,
      status: inflight ? 'INFLIGHT' : 'APPLIED',
      hash: transactionHash(row.amount, reference, row.currency, row.source, row.destination),
      createdAt: now,
    };
  }
}

function groupsOf(items: QueuedWorkItem[]): QueuedWorkItem[][] {
  const groups = new Map<string, QueuedWorkItem[]>();
  for (const i of items) {
    const g = groups.get(i.groupId);
    if (g) g.push(i);
    else groups.set(i.groupId, [i]);
  }
  return [...groups.values()];
}
