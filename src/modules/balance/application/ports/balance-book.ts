import type { Tx } from '@libs/core/unit-of-work';
import type { Balance } from '../../domain/balance';

/** The balance side of a money move, always inside the caller's database transaction. */
export abstract class BalanceBook {
  /**
   * Locks the rows (SELECT … FOR UPDATE) in ascending id order, so two transactions touching the
   * same balances always queue in the same order and cannot deadlock. Missing ids are absent.
   */
  abstract lockForUpdate(tx: Tx, ids: string[]): Promise<Map<string, Balance>>;
  /** Id of the `@indicator` balance in `currency`, inserting `candidate` if there is none yet. */
  abstract ensureIndicator(tx: Tx, candidate: Balance): Promise<string>;
  /** Currency of each existing balance, read without locking. Missing ids are absent. */
  abstract currencies(tx: Tx, ids: string[]): Promise<Map<string, string>>;
  /**
   * Writes the amounts of locked balances and adds `bumps[i]` (default 1) to each version: one
   * per posting that touched the balance, however many postings share the write.
   */
  abstract saveAmounts(tx: Tx, balances: Balance[], bumps?: number[]): Promise<void>;
}
