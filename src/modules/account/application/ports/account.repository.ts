import type { ListQuery, Page } from '@libs/core/list-query';
import type { Tx } from '@libs/core/unit-of-work';
import type { Account } from '../../domain/account';

export abstract class AccountRepository {
  /**
   * @throws DomainError GEN_CONFLICT when the number is taken.
   * @throws DomainError IDT_NOT_FOUND when the identity no longer exists.
   */
  abstract insert(tx: Tx, account: Account): Promise<void>;
  abstract findById(id: string): Promise<Account | null>;
  /** @throws DomainError GEN_BAD_REQUEST for an invalid filter. */
  abstract list(query: ListQuery): Promise<Page<Account>>;
}
