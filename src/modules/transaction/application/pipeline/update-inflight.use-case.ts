import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { divideToDecimalString, formatFloat } from '@libs/core/decimal';
import { IdGenerator } from '@libs/core/ids';
import { rolledBack, Tx, UnitOfWork } from '@libs/core/unit-of-work';
import { toMinorUnits } from '../../domain/amounts';
import { settlementRow } from '../../domain/rows';
import { HoldState, planCommit, planVoid } from '../../domain/inflight';
import type { Transaction } from '../../domain/transaction';
import {
  invalidAmount,
  invalidStatusAction,
  notInflight,
  settlementAlreadyQueued,
  transactionNotFound,
} from '../../domain/transaction.errors';
import { TransactionRepository } from '../ports/transaction.repository';
import { PostingSession, PostingSessions } from '../posting-session';
import { balancePreviews, TransactionPreview, tryApply } from '../preview';
import { DueSettlement, HoldSettler, QueuedEngine, QueuedOptions } from '../queued/queued-engine';

export interface InflightUpdate {
  id: string;
  status: string;
  /** Major units; converted with the hold's own precision. */
  amount?: number;
  preciseAmount?: bigint;
  skipQueue?: boolean;
  /** Set by workers: the queued action's id, which makes the child references deterministic. */
  actId?: string;
}

/**
 * PUT /transactions/inflight/:id (reference §5.9): commit all or part of a hold, or void what
 * remains. The hold rows are locked FOR UPDATE before their balances, so racing commits and voids
 * of one hold take turns and see each other's children: a hold is never settled beyond its amount
 * and never both voided and committed in full.
 */
@Injectable()
export class UpdateInflightUseCase implements HoldSettler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly sessions: PostingSessions,
    private readonly transactions: TransactionRepository,
    private readonly engine: QueuedEngine,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  /** skip_queue: settles now; returns the new children (APPLIED for a commit, VOID for a void). */
  async execute(u: InflightUpdate): Promise<Transaction[]> {
    this.validate(u);
    return this.uow.run(async (tx) => {
      const session = await this.settle(tx, u);
      await session.flush();
      return [...session.appended];
    });
  }

  /** A due queued commit or void, inside the drain's database transaction. */
  async settleDue(tx: Tx, s: DueSettlement): Promise<void> {
    const session = await this.settle(tx, {
      id: s.id,
      status: s.status,
      preciseAmount: s.preciseAmount,
      amount: s.amount === undefined ? undefined : Number(s.amount),
      actId: s.actId,
    });
    await session.flush();
  }

  /**
   * The default (queued) path: everything that can be refused now is refused now (unknown id,
   * not inflight, already settled, too much, a commit or void already waiting); then the work is
   * written and a worker settles it in order after the hold itself. Returns the hold as it is now.
   */
  async enqueue(u: InflightUpdate): Promise<Transaction> {
    this.validate(u);
    const { hold, wake } = await this.uow.run(async (tx) => {
      const pending = this.engine.holdWork(tx, u.id);
      // Two requests for one hold take turns, also before the hold has rows to lock.
      await pending.lock();
      // Looked at first: a hold the worker applies in the meantime is then caught below.
      const waiting = await pending.waiting();
      const holds = await this.lockHolds(tx, u.id);
      if (await pending.settlementWaiting()) {
        throw settlementAlreadyQueued();
      }
      let hold: Transaction;
      if (holds.length) {
        const states = await this.transactions.holdStates(
          tx,
          holds.map((h) => h.transactionId),
        );
        for (const h of holds) {
          const state = { hold: h, ...states.get(h.transactionId)! };
          if (u.status === 'void') planVoid(state);
          else planCommit(state, this.requested(u, h));
        }
        hold = holds[0];
      } else {
        // Holds accepted on the queued path and not applied yet (`waiting`: rows that will
        // become holds): settled after them. `id` may name several (a batch, a split), applied
        // at different times; the worker waits until none of them is left to apply.
        const member =
          (await this.transactions.findFamilyMember(u.id, tx)) ?? (await pending.waitingMember());
        if (!member) throw transactionNotFound(u.id);
        if (!waiting) {
          throw notInflight(u.id);
        }
        hold = member;
      }
      // A commit gives each hold's destination settled funds, a void gives its source back what
      // was held: for per-balance order these are credits, which later debits of those balances
      // must not overtake when they need them. Every hold the id names counts, applied or still
      // queued.
      const ends = holds.length ? holds : await pending.waitingEnds();
      const credits = [
        ...new Set(ends.map((h) => (u.status === 'void' ? h.source : h.destination))),
      ];
      const options: QueuedOptions = {};
      if (u.preciseAmount !== undefined) options.precise_amount = u.preciseAmount.toString();
      if (u.amount !== undefined) options.amount = formatFloat(u.amount);
      const wake = await this.engine.acceptSettlement(tx, {
        action: u.status === 'void' ? 'void' : 'commit',
        holdId: u.id,
        source: hold.source,
        credits,
        options,
      });
      return { hold, wake };
    });
    await this.engine.wake(wake);
    return { ...hold, transactionId: u.id };
  }

  async preview(u: InflightUpdate): Promise<TransactionPreview> {
    this.validate(u);
    return rolledBack(this.uow, async (tx) => {
      const holds = await this.holds(tx, u.id);
      const session = this.sessions.start(tx);
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

  /** The amount asked for, in the hold's minor units (0 = all that remains). */
  private requested(u: InflightUpdate, hold: Transaction): bigint {
    if (u.preciseAmount !== undefined) return u.preciseAmount;
    if (!u.amount) return 0n;
    const minor = toMinorUnits(formatFloat(u.amount), hold.precision);
    // 0 means "all that remains": an amount too small for the precision must not become that.
    if (minor === 0n) {
      throw invalidAmount(`amount ${formatFloat(u.amount)} is less than one minor unit`);
    }
    return minor;
  }

  private validate(u: InflightUpdate): void {
    if (u.status !== 'commit' && u.status !== 'void') {
      throw invalidStatusAction();
    }
    if (u.preciseAmount !== undefined && u.preciseAmount <= 0n) {
      throw invalidAmount('precise_amount must be positive');
    }
    if (u.amount !== undefined && u.amount < 0) throw invalidAmount('amount cannot be negative');
  }

  private async settle(tx: Tx, u: InflightUpdate): Promise<PostingSession> {
    const holds = await this.holds(tx, u.id);
    const session = this.sessions.start(tx);
    await session.open(
      [],
      holds.flatMap((h) => [h.hold.source, h.hold.destination]),
    );
    this.apply(session, holds, u);
    return session;
  }

  /**
   * The INFLIGHT rows `id` names, locked: the row itself, the legs of a split or batch, the
   * outcomes of a queued request. A split inside a queued batch is one more step away: its
   * QUEUED legs have the split as parent, but their outcomes belong to the batch (queued_parent)
   * and to the leg; they are the batch's holds at the split's position in it.
   */
  private async lockHolds(tx: Tx, id: string): Promise<Transaction[]> {
    const rows = await this.transactions.lockInflight(tx, id);
    if (rows.length) return rows;
    const leg = await this.transactions.findFamilyMember(id, tx);
    if (
      !leg ||
      leg.transactionId === id ||
      leg.parentTransaction !== id ||
      leg.batchId === null ||
      leg.batchId === id ||
      leg.sequence === null
    )
      return rows;
    return (await this.transactions.lockInflight(tx, leg.batchId)).filter(
      (r) => r.batchId === leg.batchId && r.sequence === leg.sequence,
    );
  }

  /** The holds `id` names (itself, or the legs of a split or batch), locked, with their history. */
  private async holds(tx: Tx, id: string): Promise<HoldState[]> {
    const rows = await this.lockHolds(tx, id);
    if (!rows.length) {
      const member = await this.transactions.findFamilyMember(id, tx);
      if (!member) throw transactionNotFound(id);
      throw notInflight(id);
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
      const amount = u.status === 'void' ? planVoid(h) : planCommit(h, this.requested(u, h.hold));
      // A worker's settlement is referenced deterministically, so a retry can never add a second.
      const reference = u.actId
        ? `${h.hold.transactionId}_${u.status}_${u.actId}`
        : this.ids.next('ref');
      session.settle(
        settlementRow(h.hold, {
          transactionId: this.ids.next('txn'),
          reference,
          amount,
          status: u.status === 'void' ? 'VOID' : 'APPLIED',
          now,
        }),
      );
    }
  }
}
