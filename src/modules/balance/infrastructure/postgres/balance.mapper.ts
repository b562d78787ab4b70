import type { AllocationStrategy, Balance } from '../../domain/balance';

export interface BalanceRow {
  balance_id: string;
  ledger_id: string;
  identity_id: string | null;
  indicator: string | null;
  currency: string;
  balance: string;
  credit_balance: string;
  debit_balance: string;
  inflight_balance: string;
  inflight_credit_balance: string;
  inflight_debit_balance: string;
  version: string;
  track_fund_lineage: boolean;
  allocation_strategy: string;
  created_at: Date;
  meta_data: Record<string, unknown> | null;
}

export const BALANCE_COLUMNS = `balance_id, ledger_id, identity_id, indicator, currency, balance, credit_balance,
  debit_balance, inflight_balance, inflight_credit_balance, inflight_debit_balance, version,
  track_fund_lineage, allocation_strategy, created_at, meta_data`;

export function toBalance(r: BalanceRow): Balance {
  return {
    balanceId: r.balance_id,
    ledgerId: r.ledger_id,
    identityId: r.identity_id,
    indicator: r.indicator,
    currency: r.currency,
    balance: BigInt(r.balance),
    creditBalance: BigInt(r.credit_balance),
    debitBalance: BigInt(r.debit_balance),
    inflightBalance: BigInt(r.inflight_balance),
    inflightCreditBalance: BigInt(r.inflight_credit_balance),
    inflightDebitBalance: BigInt(r.inflight_debit_balance),
    version: Number(r.version),
    trackFundLineage: r.track_fund_lineage,
    allocationStrategy: r.allocation_strategy as AllocationStrategy,
    createdAt: r.created_at,
    metaData: r.meta_data,
  };
}

/** Parameters of an INSERT of all columns, in BALANCE_COLUMNS order. */
export function insertParams(b: Balance, metaJson: string | null): unknown[] {
  return [
    b.balanceId,
    b.ledgerId,
    b.identityId,
    b.indicator,
    b.currency,
    b.balance.toString(),
    b.creditBalance.toString(),
    b.debitBalance.toString(),
    b.inflightBalance.toString(),
    b.inflightCreditBalance.toString(),
    b.inflightDebitBalance.toString(),
    b.version,
    b.trackFundLineage,
    b.allocationStrategy,
    b.createdAt,
    metaJson,
  ];
}

export const INSERT_BALANCE_SQL = `INSERT INTO balances (${BALANCE_COLUMNS})
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16::jsonb)`;
