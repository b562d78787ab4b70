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
  /** Which of `references` are already taken (a pre-check; the unique index stays the guard). */
  abstract existingReferences(tx: Tx, references: string[]): Promise<Set<string>>;
  /**
   * Locks (FOR UPDATE, in id order) the INFLIGHT rows that `id` names: the row itself, or the
   * legs whose parent it is (a split or a bulk batch).
   */
  abstract lockInflight(tx: Tx, id: string): Promise<Transaction[]>;
  /** Sum of APPLIED children and whether a VOID child exists, for each hold. */
  abstract holdStates(
    tx: Tx,
    holdIds: string[],
  ): Promise<Map<string, { committed: bigint; voided: boolean }>>;
  /**
   * Rows a refund of `id` reverses: `id` itself and its children, when APPLIED, leaving out refund
   * rows themselves. Locked FOR UPDATE in id order.
   */
  abstract lockRefundable(tx: Tx, id: string): Promise<Transaction[]>;
  /** The row `id`, or else any row whose parent is `id` (to tell "unknown" from "wrong status"). */
  abstract findFamilyMember(id: string, tx?: Tx): Promise<Transaction | null>;
  /**
   * Shallow-merges `patch` into meta_data of every row whose id or parent is `id` (reference
   * §2.8). Returns the number of rows touched.
   */
  abstract mergeMetaData(tx: Tx, id: string, patch: MetaData): Promise<number>;
}
