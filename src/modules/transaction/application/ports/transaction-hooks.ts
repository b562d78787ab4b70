import type { Transaction } from '../../domain/transaction';

/** What blocking pre-transaction hooks decided about a request. */
export interface HookVerdict {
  approved: boolean;
  /** The hook's message (a refusal's reason). */
  message?: string;
}

/**
 * Port: pre-transaction hooks (reference §7.2; issue 13). The submission pipeline asks before a
 * request is applied or accepted, outside any database transaction; a refusal refuses the
 * request. The composition root implements it with the hook module; without hooks, everything
 * is approved.
 */
export abstract class TransactionHooks {
  /** Whether any pre-transaction hook would be asked (cheap: without one, build no proposal). */
  abstract enabled(): Promise<boolean>;
  /** @param proposal the transaction as it would be written (balances not resolved yet). */
  abstract approve(proposal: Transaction): Promise<HookVerdict>;
}

export class NoTransactionHooks extends TransactionHooks {
  async enabled(): Promise<boolean> {
    return false;
  }
  async approve(): Promise<HookVerdict> {
    return { approved: true };
  }
}
