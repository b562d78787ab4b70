import { rawNumber } from '@libs/core/json';
import { available, BalanceAmounts } from '../../../balance/domain/balance';
import type { BulkPreview } from '../../application/pipeline/bulk-transactions.use-case';
import type { TransactionPreview } from '../../application/preview';

function reasonOf(code: string, message: string): string {
  if (code === 'TXN_INSUFFICIENT_FUNDS') return 'insufficient_funds';
  if (message.includes('overdraft limit')) return 'overdraft_limit';
  if (code === 'GEN_RESOURCE_LOCKED') return 'lock_contention';
  return 'other';
}

function amounts(prefix: 'current' | 'resulting', b: BalanceAmounts): Record<string, string> {
  return {
    [`${prefix}_balance`]: b.balance.toString(),
    [`${prefix}_available`]: available(b).toString(),
    [`${prefix}_credit_balance`]: b.creditBalance.toString(),
    [`${prefix}_debit_balance`]: b.debitBalance.toString(),
    [`${prefix}_inflight_debit_balance`]: b.inflightDebitBalance.toString(),
    [`${prefix}_inflight_credit_balance`]: b.inflightCreditBalance.toString(),
  };
}

/** A dry-run preview as Blnk renders it (reference §5.16): amounts as strings. */
export function presentPreview(p: TransactionPreview): Record<string, unknown> {
  const view: Record<string, unknown> = { dry_run: true, would_apply: p.wouldApply };
  if (p.rejection) {
    view.rejection = {
      code: p.rejection.code,
      reason: reasonOf(p.rejection.code, p.rejection.message),
      message: p.rejection.message,
    };
  }
  if (p.operation) view.operation = p.operation;
  if (p.status) view.status = p.status;
  Object.assign(view, {
    reference: p.reference,
    currency: p.currency,
    amount: rawNumber(p.amount),
    precise_amount: p.preciseAmount.toString(),
    precision: p.precision,
    balances: p.balances.map((b) => ({
      balance_id: b.balance.balanceId,
      role: b.role,
      currency: b.balance.currency,
      virtual: b.virtual,
      ...amounts('current', b.before),
      ...amounts('resulting', b.balance),
    })),
  });
  if (p.legs.length) {
    view.legs = p.legs.map((l) => ({
      identifier: l.identifier,
      role: l.role,
      precise_amount: l.preciseAmount.toString(),
      amount: rawNumber(l.amount),
    }));
  }
  view.notes = p.notes;
  return view;
}

export function presentBulkPreview(p: BulkPreview): Record<string, unknown> {
  return {
    dry_run: true,
    would_apply: p.results.every((r) => r.wouldApply),
    cumulative: p.cumulative,
    atomic: p.atomic,
    results: p.results.map(presentPreview),
    notes: p.notes,
  };
}
