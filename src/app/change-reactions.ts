import type { Balance } from '../modules/balance/domain/balance';
import { BalanceRow, toBalance } from '../modules/balance/infrastructure/postgres/balance.mapper';
import {
  ChangeReactions,
  DerivedEvent,
} from '../modules/events/application/ports/change-reactions';
import { HookCallerService } from '../modules/hook/application/hook-caller.service';
import { MonitorEvaluator } from '../modules/monitor/application/monitor-evaluator.service';
import {
  TransactionRow,
  toTransaction,
} from '../modules/transaction/infrastructure/postgres/transaction.mapper';
import { presentTransaction } from '../modules/transaction/interface/http/transaction.presenter';
import { asRow } from './event-payloads';

/** The rows whose commit runs POST_TRANSACTION hooks: outcomes, not accepted requests. */
const OUTCOMES = new Set([
  'transaction.applied',
  'transaction.inflight',
  'transaction.void',
  'transaction.rejected',
]);

function balanceOf(snapshot: unknown): Balance {
  return toBalance(asRow<BalanceRow>(snapshot as Record<string, unknown>));
}

/**
 * What follows a committed change, after commit: a `balance.monitor` event for each monitor of a
 * changed balance whose condition became true (false before the change, true after), and the
 * POST_TRANSACTION hooks of each committed outcome row.
 */
export class OutboxReactions extends ChangeReactions {
  constructor(
    private readonly monitors: MonitorEvaluator,
    private readonly hooks: HookCallerService,
  ) {
    super();
  }

  override observe(event: string, entity: string, snapshot: Record<string, unknown>): void {
    if (entity !== 'transaction' || !OUTCOMES.has(event)) return;
    const row = toTransaction(asRow<TransactionRow>(snapshot, ['sequence']));
    this.hooks.runPostHooks(presentTransaction(row));
  }

  async react(entity: string, snapshot: Record<string, unknown>): Promise<DerivedEvent[]> {
    if (entity !== 'balance-change') return [];
    const after = balanceOf(snapshot.after);
    const fired = await this.monitors.evaluate(after.balanceId, balanceOf(snapshot.before), after);
    return fired.map((f) => ({
      event: f.event,
      entity: 'raw',
      entityId: f.monitorId,
      data: f.data as unknown as Record<string, unknown>,
    }));
  }
}
