import { DomainError, fieldErrorMessage } from '@libs/core/domain-error';
import { isLineageIndicator } from '@libs/core/lineage-provider';

export type MetaData = Record<string, unknown>;
export type AllocationStrategy = 'FIFO' | 'LIFO' | 'PROPORTIONAL';

/** Amounts of a balance, all in minor units (reference §4.2). Derived fields are kept in step. */
export interface BalanceAmounts {
  balance: bigint;
  creditBalance: bigint;
  debitBalance: bigint;
  inflightBalance: bigint;
  inflightCreditBalance: bigint;
  inflightDebitBalance: bigint;
}

export interface Balance extends BalanceAmounts {
  balanceId: string;
  ledgerId: string;
  identityId: string | null;
  indicator: string | null;
  currency: string;
  version: number;
  createdAt: Date;
  metaData: MetaData | null;
  trackFundLineage: boolean;
  allocationStrategy: AllocationStrategy;
}

export const GENERAL_LEDGER_ID = 'general_ledger_id';
const INDICATOR_RE = /^@\S+$/;
const STRATEGIES: AllocationStrategy[] = ['FIFO', 'LIFO', 'PROPORTIONAL'];

export function zeroAmounts(): BalanceAmounts {
  return {
    balance: 0n,
    creditBalance: 0n,
    debitBalance: 0n,
    inflightBalance: 0n,
    inflightCreditBalance: 0n,
    inflightDebitBalance: 0n,
  };
}

export interface NewBalanceInput {
  ledgerId: string;
  currency: string;
  identityId?: string | null;
  indicator?: string | null;
  metaData?: MetaData | null;
  trackFundLineage?: boolean;
  allocationStrategy?: string | null;
}

/** Validates a create-balance request and builds the new, all-zero balance. */
export function newBalance(
  input: NewBalanceInput,
  balanceId: string,
  now: Date,
  /** `engine`: created by the engine itself, which may use the names lineage reserves. */
  opts: { engine?: boolean } = {},
): Balance {
  const errors: Record<string, string> = {};
  if (!input.ledgerId?.trim()) errors.ledger_id = 'cannot be blank';
  if (!input.currency?.trim()) errors.currency = 'cannot be blank';
  const indicator = input.indicator?.trim() || null;
  if (indicator !== null) {
    if (!INDICATOR_RE.test(indicator))
      errors.indicator = "must start with '@' and contain no spaces";
    else if (!opts.engine && isLineageIndicator(indicator))
      errors.indicator = "ends with '_lineage', a name fund lineage reserves for shadow balances";
    else if (input.ledgerId !== GENERAL_LEDGER_ID) {
      errors.indicator = `is only allowed on balances of the ${GENERAL_LEDGER_ID} ledger`;
    }
  }
  const strategy = (input.allocationStrategy?.trim() || 'FIFO').toUpperCase() as AllocationStrategy;
  if (!STRATEGIES.includes(strategy))
    errors.allocation_strategy = 'must be one of FIFO, LIFO, PROPORTIONAL';
  if (input.trackFundLineage && !input.identityId)
    errors.identity_id = 'is required when track_fund_lineage is true';
  if (Object.keys(errors).length) {
    throw new DomainError('GEN_VALIDATION_ERROR', fieldErrorMessage(errors), undefined, 'errors');
  }
  return {
    balanceId,
    ledgerId: input.ledgerId,
    identityId: input.identityId || null,
    indicator,
    currency: input.currency,
    ...zeroAmounts(),
    version: 0,
    createdAt: now,
    metaData: input.metaData ?? null,
    trackFundLineage: input.trackFundLineage ?? false,
    allocationStrategy: strategy,
  };
}

/** An `@indicator` balance created on demand in the general ledger (reference §5.7). */
export function newIndicatorBalance(
  indicator: string,
  currency: string,
  balanceId: string,
  now: Date,
): Balance {
  // A client's transfer to a reserved name is refused by the posting session, after resolution.
  return newBalance({ ledgerId: GENERAL_LEDGER_ID, currency, indicator }, balanceId, now, {
    engine: true,
  });
}

export function isIndicator(identifier: string): boolean {
  return identifier.startsWith('@');
}

function recompute(b: BalanceAmounts): void {
  b.balance = b.creditBalance - b.debitBalance;
  b.inflightBalance = b.inflightCreditBalance - b.inflightDebitBalance;
}

/** Settled debit (reference §5.5.1). */
export function debit(b: BalanceAmounts, amount: bigint): void {
  b.debitBalance += amount;
  recompute(b);
}

/** Settled credit (reference §5.5.1). */
export function credit(b: BalanceAmounts, amount: bigint): void {
  b.creditBalance += amount;
  recompute(b);
}

/** Inflight hold on the debit side (reference §5.5.2). */
export function holdDebit(b: BalanceAmounts, amount: bigint): void {
  b.inflightDebitBalance += amount;
  recompute(b);
}

/** Inflight hold on the credit side (reference §5.5.2). */
export function holdCredit(b: BalanceAmounts, amount: bigint): void {
  b.inflightCreditBalance += amount;
  recompute(b);
}

/** What a debit may draw on: settled balance less outgoing holds (reference §5.6). */
export function available(b: BalanceAmounts): bigint {
  return b.balance - b.inflightDebitBalance;
}

function requireHeld(
  b: BalanceAmounts,
  field: 'inflightDebitBalance' | 'inflightCreditBalance',
  amount: bigint,
): void {
  if (b[field] < amount) {
    const side = field === 'inflightDebitBalance' ? 'debit' : 'credit';
    throw new DomainError(
      'TXN_VALIDATION_ERROR',
      `insufficient inflight ${side} balance: have ${b[field]}, need ${amount}`,
    );
  }
}

/** Settles `amount` of a hold (reference §5.5.3): inflight moves to settled on both sides. */
export function commitHold(
  source: BalanceAmounts,
  destination: BalanceAmounts,
  amount: bigint,
): void {
  releaseHold(source, destination, amount);
  source.debitBalance += amount;
  destination.creditBalance += amount;
  recompute(source);
  recompute(destination);
}

/** Releases `amount` of a hold (reference §5.5.4). */
export function releaseHold(
  source: BalanceAmounts,
  destination: BalanceAmounts,
  amount: bigint,
): void {
  requireHeld(source, 'inflightDebitBalance', amount);
  requireHeld(destination, 'inflightCreditBalance', amount);
  source.inflightDebitBalance -= amount;
  destination.inflightCreditBalance -= amount;
  recompute(source);
  recompute(destination);
}
