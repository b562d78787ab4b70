import { rfc3339, ZERO_TIME } from '@libs/http/time';
import type { Balance } from '../../domain/balance';
import type { BalanceView } from './balance.dto';

export function presentBalance(b: Balance): BalanceView {
  const view: BalanceView = {
    balance_id: b.balanceId,
    ledger_id: b.ledgerId,
    identity_id: b.identityId ?? '',
    currency: b.currency,
    balance: b.balance,
    credit_balance: b.creditBalance,
    debit_balance: b.debitBalance,
    inflight_balance: b.inflightBalance,
    inflight_credit_balance: b.inflightCreditBalance,
    inflight_debit_balance: b.inflightDebitBalance,
    version: b.version,
    created_at: rfc3339(b.createdAt),
    inflight_expires_at: ZERO_TIME,
    meta_data: b.metaData,
    track_fund_lineage: b.trackFundLineage,
    allocation_strategy: b.allocationStrategy,
  };
  if (b.indicator) view.indicator = b.indicator;
  return view;
}

/** An identity row as Blnk renders it (dob as RFC 3339, zero time when absent). */
export function presentIdentity(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  out.dob = row.dob ? rfc3339(new Date(String(row.dob))) : ZERO_TIME;
  out.created_at = rfc3339(row.created_at as Date);
  return out;
}
