import type { Account } from '../../domain/account';

export interface AccountRow {
  account_id: string;
  name: string;
  number: string;
  bank_name: string;
  currency: string;
  ledger_id: string;
  identity_id: string;
  balance_id: string;
  created_at: Date;
  meta_data: Record<string, unknown> | null;
}

export const ACCOUNT_COLUMNS =
  'account_id, name, number, bank_name, currency, ledger_id, identity_id, balance_id, created_at, meta_data';

export function toAccount(row: AccountRow): Account {
  return {
    accountId: row.account_id,
    name: row.name,
    number: row.number,
    bankName: row.bank_name,
    currency: row.currency,
    ledgerId: row.ledger_id,
    identityId: row.identity_id,
    balanceId: row.balance_id,
    createdAt: row.created_at,
    metaData: row.meta_data,
  };
}
