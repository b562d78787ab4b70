import { Injectable } from '@nestjs/common';
import type { BalanceAmounts } from '../../balance/domain/balance';
import { monitorFires } from '../domain/monitor';
import { MonitorCache } from './monitor-cache';
import { MonitorPayload, monitorPayload } from './monitor-payload';
import { MonitorRepository } from './ports/monitor.repository';

/** A monitor whose condition became true: the `balance.monitor` event to send. */
export interface FiredMonitor {
  event: 'balance.monitor';
  monitorId: string;
  balanceId: string;
  /** The event's `data`: the monitor as Blnk sends it (no call_back_url). Big integers are bigint. */
  data: MonitorPayload;
}

/**
 * Evaluates a balance's monitors against one committed change of it (reference §5.5 item 7).
 * Called after commit (from the outbox relay), never while balance locks are held: it may query
 * the monitors of a balance not seen lately.
 */
@Injectable()
export class MonitorEvaluator {
  constructor(
    private readonly monitors: MonitorRepository,
    private readonly cache: MonitorCache,
  ) {}

  /**
   * The monitors of `balanceId` that fire for the change from `before` to `after` (false before,
   * true after), oldest first. `before` null: no earlier state (a new balance). An unknown balance
   * has no monitors.
   */
  async evaluate(
    balanceId: string,
    before: BalanceAmounts | null,
    after: BalanceAmounts,
  ): Promise<FiredMonitor[]> {
    const monitors = await this.cache.get(balanceId, () => this.monitors.listByBalance(balanceId));
    return monitors
      .filter((m) => monitorFires(m.condition, before, after))
      .map((m) => ({
        event: 'balance.monitor',
        monitorId: m.monitorId,
        balanceId: m.balanceId,
        data: monitorPayload(m),
      }));
  }
}
