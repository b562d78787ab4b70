import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { IdGenerator } from '@libs/core/ids';
import type { Tx } from '@libs/core/unit-of-work';
import { Balance, isIndicator, newIndicatorBalance } from '../domain/balance';
import { BalanceBook } from './ports/balance-book';

/**
 * What the transaction engine needs from balances, exported by this module: resolve identifiers
 * (creating `@indicator` balances on demand), lock, and save. Always within the caller's tx.
 */
@Injectable()
export class BalancePostingService {
  constructor(
    private readonly book: BalanceBook,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  /** Maps each identifier (balance id or `@indicator`) to a balance id. */
  async resolve(tx: Tx, identifiers: string[], currency: string): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    // Sorted so that concurrent first-time creations of the same indicators cannot deadlock.
    for (const id of [...new Set(identifiers)].sort()) {
      if (!isIndicator(id)) out.set(id, id);
      else
        out.set(
          id,
          await this.book.ensureIndicator(
            tx,
            newIndicatorBalance(id, currency, this.ids.next('bln'), this.clock.now()),
          ),
        );
    }
    return out;
  }

  lock(tx: Tx, balanceIds: string[]): Promise<Map<string, Balance>> {
    return this.book.lockForUpdate(tx, [...new Set(balanceIds)].sort());
  }

  async save(tx: Tx, balances: Balance[]): Promise<void> {
    await this.book.saveAmounts(tx, balances);
    for (const b of balances) b.version += 1;
  }
}
