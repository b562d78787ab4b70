import type { Tx } from '@libs/core/unit-of-work';
import type { PendingAllocation } from '../../domain/shadow';

/** The projection's bookkeeping: which allocations have their shadow, and the shadow balances. */
export abstract class ShadowLedgerRepository {
  /**
   * Takes the projection for this database transaction (an advisory lock held until it ends);
   * false when another process has it. Raises nothing.
   */
  abstract takeProjection(tx: Tx): Promise<boolean>;

  /** Up to `limit` allocations without a shadow, oldest first. Raises nothing. */
  abstract pending(tx: Tx, limit: number): Promise<PendingAllocation[]>;

  /** The shadow transaction of a hold's reservation of `provider`, if projected. Raises nothing. */
  abstract shadowOfHold(tx: Tx, holdId: string, provider: string): Promise<string | null>;

  /**
   * Records that `allocationId` is projected by `shadowTransactionId`; false when it already
   * was (the caller must then roll back its posting). Raises nothing.
   */
  abstract markPosted(tx: Tx, allocationId: string, shadowTransactionId: string): Promise<boolean>;

  /** Remembers the shadow balance of a balance and provider ('' = the aggregate). Raises nothing. */
  abstract rememberShadow(
    tx: Tx,
    balanceId: string,
    provider: string,
    shadowBalanceId: string,
  ): Promise<void>;

  /** provider → shadow balance id of a tracked balance ('' = its aggregate). Raises nothing. */
  abstract shadowsOf(balanceId: string): Promise<Map<string, string>>;

  /**
   * The shadow transactions of a transaction row and, for a QUEUED row, of its outcome, in
   * allocation order. Raises nothing.
   */
  abstract shadowTransactionsOf(transactionId: string): Promise<string[]>;
}
