import type { BalanceAmounts } from '../modules/balance/domain/balance';
import { BalanceRow, toBalance } from '../modules/balance/infrastructure/postgres/balance.mapper';
import {
  ChangeReactions,
  DerivedEvent,
} from '../modules/events/application/ports/change-reactions';
import { MonitorEvaluator } from '../modules/monitor/application/monitor-evaluator.service';
import { asRow } from './event-payloads';

function amounts(snapshot: unknown): BalanceAmounts {
  return toBalance(asRow<BalanceRow>(snapshot as Record<string, unknown>));
}

/**
 * What a committed balance change gives rise to: a `balance.monitor` event for each monitor of the
 * balance whose condition became true (false before the change, true after).
 */
export class MonitorReactions extends ChangeReactions {
  constructor(private readonly monitors: MonitorEvaluator) {
    super();
  }

  async react(entity: string, snapshot: Record<string, unknown>): Promise<DerivedEvent[]> {
    if (entity !== 'balance-change') return [];
    const after = toBalance(asRow<BalanceRow>(snapshot.after as Record<string, unknown>));
    const fired = await this.monitors.evaluate(after.balanceId, amounts(snapshot.before), after);
    return fired.map((f) => ({
      event: f.event,
      entity: 'raw',
      entityId: f.monitorId,
      data: f.data as unknown as Record<string, unknown>,
    }));
  }
}
