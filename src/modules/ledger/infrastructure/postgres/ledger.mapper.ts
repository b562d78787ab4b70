import type { Ledger } from '../../domain/ledger';

export interface LedgerRow {
  ledger_id: string;
  name: string;
  created_at: Date;
  meta_data: Record<string, unknown> | null;
}

export function toLedger(row: LedgerRow): Ledger {
  return {
    ledgerId: row.ledger_id,
    name: row.name,
    createdAt: row.created_at,
    metaData: row.meta_data,
  };
}
