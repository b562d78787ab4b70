import type { BalanceMonitor } from '../domain/monitor';

/** A monitor as Blnk shows it (reference §2.4) and sends it in `balance.monitor` events. */
export interface MonitorPayload {
  monitor_id: string;
  balance_id: string;
  description: string;
  created_at: string;
  condition: {
    field: string;
    operator: string;
    /** Major units: a bare JSON number (a bigint when it is an integer, so it stays exact). */
    value: number | bigint;
    precision: bigint;
    precise_value: bigint;
  };
}

/** The wire shape, without `call_back_url` (Blnk stores it and never shows it). Big integers stay bigint. */
export function monitorPayload(m: BalanceMonitor): MonitorPayload {
  const { value } = m.condition;
  return {
    monitor_id: m.monitorId,
    balance_id: m.balanceId,
    description: m.description,
    created_at: m.createdAt.toISOString(),
    condition: {
      field: m.condition.field,
      operator: m.condition.operator,
      value: /^-?\d+$/.test(value) ? BigInt(value) : Number(value),
      precision: m.condition.precision,
      precise_value: m.condition.preciseValue,
    },
  };
}
