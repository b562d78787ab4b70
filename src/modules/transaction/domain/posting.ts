import {
  available,
  BalanceAmounts,
  credit,
  debit,
  holdCredit,
  holdDebit,
} from '../../balance/domain/balance';
import { insufficientFunds, overdraftLimitExceeded } from './transaction.errors';

export interface FundsRules {
  allowOverdraft: boolean;
  /** Minor units; 0 = no limit given. */
  overdraftLimit: bigint;
  /** Minor units already promised to queued debits (transaction.enable_queued_checks). */
  reserved?: bigint;
}

/**
 * Funds check of reference §5.6, run before an apply or a hold. Holds already placed on the
 * source count against it. A positive overdraft limit bounds the overdraft whether or not
 * allow_overdraft is set; allow_overdraft alone means unlimited.
 * @throws DomainError TXN_INSUFFICIENT_FUNDS, or TXN_VALIDATION_ERROR when the limit is exceeded.
 */
export function checkFunds(source: BalanceAmounts, amount: bigint, rules: FundsRules): void {
  const avail = available(source) - (rules.reserved ?? 0n);
  if (rules.allowOverdraft && rules.overdraftLimit === 0n) return;
  if (avail >= amount) return;
  if (rules.overdraftLimit > 0n) {
    if (avail - amount >= -rules.overdraftLimit) return;
    throw overdraftLimitExceeded();
  }
  throw insufficientFunds();
}

/** Moves `amount` from source to destination: settled, or held when `inflight` (reference §5.5). */
export function post(
  source: BalanceAmounts,
  destination: BalanceAmounts,
  amount: bigint,
  opts: { inflight: boolean; rules: FundsRules },
): void {
  checkFunds(source, amount, opts.rules);
  if (opts.inflight) {
    holdDebit(source, amount);
    holdCredit(destination, amount);
  } else {
    debit(source, amount);
    credit(destination, amount);
  }
}
