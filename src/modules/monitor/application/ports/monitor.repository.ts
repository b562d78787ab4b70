import type { Tx } from '@libs/core/unit-of-work';
import type { BalanceMonitor } from '../../domain/monitor';

/** Balance monitors as records (table `balance_monitors`). */
export abstract class MonitorRepository {
  /**
   * @throws DomainError GEN_BAD_REQUEST when the balance does not exist ("Invalid balance ID") or
   * has MAX_MONITORS_PER_BALANCE monitors already.
   */
  abstract insert(tx: Tx, monitor: BalanceMonitor): Promise<void>;
  abstract findById(id: string): Promise<BalanceMonitor | null>;
  /** Every monitor, oldest first, at most `limit`. */
  abstract list(limit: number): Promise<BalanceMonitor[]>;
  abstract listByBalance(balanceId: string): Promise<BalanceMonitor[]>;
  /**
   * Replaces the monitor's balance, condition, description and callback. Returns the balance id
   * it had before, or null when it does not exist.
   * @throws DomainError GEN_BAD_REQUEST for an unknown balance ("Invalid balance ID"), or one
   * with MAX_MONITORS_PER_BALANCE monitors besides this one.
   */
  abstract update(tx: Tx, monitor: BalanceMonitor): Promise<string | null>;
  /** The deleted monitor's balance id, or null when it did not exist. */
  abstract delete(tx: Tx, id: string): Promise<string | null>;
}
