import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { IdGenerator } from '@libs/core/ids';
import type { Tx } from '@libs/core/unit-of-work';
import { Balance, isIndicator, newIndicatorBalance } from '../domain/balance';
import { BalanceBook } from './ports/balance-book';

export interface Endpoint {
  /** A balance id or an `@indicator`. */
  identifier: string;
  /** The currency an `@indicator` balance is looked up (or created) in. */
  currency: string;
}

export interface Resolution {
  /** Balance id of each endpoint, keyed by `endpointKey`. */
  ids: Map<string, string>;
  /** Ids of `@indicator` balances that did not exist before this call. */
  created: Set<string>;
}

export const endpointKey = (e: Endpoint) =>
  isIndicator(e.identifier) ? `${e.identifier}\u0000${e.currency}` : e.identifier;

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

  async resolve(tx: Tx, endpoints: Endpoint[]): Promise<Resolution> {
    const ids = new Map<string, string>();
    const created = new Set<string>();
    const unique = new Map(endpoints.map((e) => [endpointKey(e), e]));
    // Sorted so that concurrent first-time creations of the same indicators cannot deadlock.
    for (const [key, e] of [...unique].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!isIndicator(e.identifier)) {
        ids.set(key, e.identifier);
        continue;
      }
      const candidate = newIndicatorBalance(
        e.identifier,
        e.currency,
        this.ids.next('bln'),
        this.clock.now(),
      );
      const id = await this.book.ensureIndicator(tx, candidate);
      if (id === candidate.balanceId) created.add(id);
      ids.set(key, id);
    }
    return { ids, created };
  }

  currencies(tx: Tx, balanceIds: string[]): Promise<Map<string, string>> {
    return this.book.currencies(tx, [...new Set(balanceIds)]);
  }

  lock(tx: Tx, balanceIds: string[]): Promise<Map<string, Balance>> {
    return this.book.lockForUpdate(tx, [...new Set(balanceIds)].sort());
  }

  /** `bumps[i]`: how many postings touched `balances[i]` (each is one version). */
  async save(tx: Tx, balances: Balance[], bumps?: number[]): Promise<void> {
    await this.book.saveAmounts(tx, balances, bumps);
    balances.forEach((b, i) => (b.version += bumps?.[i] ?? 1));
  }
}
