import type { ListQuery, Page } from '@libs/core/list-query';
import type { Tx } from '@libs/core/unit-of-work';
import type { Balance, MetaData } from '../../domain/balance';

/** Balances as records: create, read, list, identity and metadata changes. */
export abstract class BalanceRepository {
  /**
   * @throws DomainError GEN_CONFLICT (indicator+currency taken), GEN_BAD_REQUEST (unknown ledger
   * or identity).
   */
  abstract insert(tx: Tx, balance: Balance): Promise<void>;
  abstract findById(id: string, tx?: Tx): Promise<Balance | null>;
  abstract findByIndicator(indicator: string, currency: string, tx?: Tx): Promise<Balance | null>;
  /** @throws DomainError GEN_BAD_REQUEST for an invalid filter. */
  abstract list(query: ListQuery): Promise<Page<Balance>>;
  /** False when the balance does not exist. @throws DomainError BAL_NOT_FOUND for an unknown identity. */
  abstract setIdentity(tx: Tx, balanceId: string, identityId: string): Promise<boolean>;
  /** Shallow-merges `patch` into meta_data; returns the merged map, or null when not found. */
  abstract mergeMetaData(tx: Tx, id: string, patch: MetaData): Promise<MetaData | null>;
}
