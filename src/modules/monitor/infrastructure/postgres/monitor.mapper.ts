import type { BalanceMonitor, MonitorField, MonitorOperator } from '../../domain/monitor';

/** A row of `balance_monitors`; NUMERIC columns arrive as text. */
export interface MonitorRow {
  monitor_id: string;
  balance_id: string;
  field: string;
  operator: string;
  value: string;
  precision: string;
  precise_value: string;
  description: string;
  call_back_url: string;
  created_at: Date;
}

export function toMonitor(row: MonitorRow): BalanceMonitor {
  return {
    monitorId: row.monitor_id,
    balanceId: row.balance_id,
    description: row.description,
    callBackUrl: row.call_back_url,
    createdAt: row.created_at,
    condition: {
      field: row.field as MonitorField,
      operator: row.operator as MonitorOperator,
      value: row.value,
      precision: BigInt(row.precision),
      preciseValue: BigInt(row.precise_value),
    },
  };
}

/** The row's values in the order of COLUMNS of the repository (id and timestamps first). */
export function monitorValues(m: BalanceMonitor): unknown[] {
  return [
    m.monitorId,
    m.balanceId,
    m.condition.field,
    m.condition.operator,
    m.condition.value,
    m.condition.precision.toString(),
    m.condition.preciseValue.toString(),
    m.description,
    m.callBackUrl,
    m.createdAt,
  ];
}
