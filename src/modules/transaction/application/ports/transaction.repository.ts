import type { ListQuery, Page } from '@libs/core/list-query';
import type { Tx } from '@libs/core/unit-of-work';
import type { MetaData, Transaction } from '../../domain/transaction';

export abstract class TransactionRepository {
  /** Appends rows. @throws DomainError TXN_DUPLICATE_REFERENCE when a reference is taken. */
  abstract insert(tx: Tx, rows: Transaction[]): Promise<void>;
  abstract findById(id: string, tx?: Tx): Promise<Transaction | null>;
  abstract findByReference(reference: string, tx?: Tx): Promise<Transaction | null>;
  /** @throws DomainError GEN_BAD_REQUEST for an invalid filter. */
  abstract list(query: ListQuery): Promise<Page<Transaction>>;
  /**
   * Shallow-merges `patch` into meta_data of every row whose id or parent is `id` (reference
   * §2.8). Returns the number of rows touched.
   */
  abstract mergeMetaData(tx: Tx, id: string, patch: MetaData): Promise<number>;
}
