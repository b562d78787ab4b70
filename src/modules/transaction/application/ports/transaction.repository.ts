import type { ListQuery, Page } from '@libs/core/list-query';
import type { Tx } from '@libs/core/unit-of-work';
import type { MetaData, Transaction } from '../../domain/transaction';

/**
 * A transaction's most recent reconciliation match (reference §8.4). Matches live in their own
 * typed table, not in the immutable rows' meta_data, so no client can write them.
 */
export interface ReconciliationMark {
  reconciliationId: string;
  reconciledAt: Date;
  externalId: string;
  /** The matched external row's amount, an exact decimal. */
  amount: string;
}

/** One provider's share of what a row drew on (fund lineage, reference §5.15). */
export interface FundAllocation {
  provider: string;
  amount: bigint;
}

export abstract class TransactionRepository {
  /** Appends rows. @throws DomainError TXN_DUPLICATE_REFERENCE when a reference is taken. */
  abstract insert(tx: Tx, rows: Transaction[]): Promise<void>;
  /**
   * Claims references that no row carries (a split's own reference, whose legs are `R-1…` /
   * `R_1…`), so no later request can use them.
   * @throws DomainError TXN_DUPLICATE_REFERENCE when one is taken.
   */
  abstract claim(tx: Tx, references: string[]): Promise<void>;
  abstract findById(id: string, tx?: Tx): Promise<Transaction | null>;
  abstract findByReference(reference: string, tx?: Tx): Promise<Transaction | null>;
  /** @throws DomainError GEN_BAD_REQUEST for an invalid filter. */
  abstract list(query: ListQuery): Promise<Page<Transaction>>;
  /**
   * Which of `references` are already claimed: used by a row, or reserved as the `_q` outcome
   * reference of a queued row (a pre-check; the claims table is the guard).
   */
  abstract existingReferences(tx: Tx, references: string[]): Promise<Set<string>>;
  /**
   * Locks (FOR UPDATE, in id order) the INFLIGHT rows that `id` names: the row itself, the legs
   * whose parent it is (a split or a bulk batch), or the outcomes of the queued request the client
   * knows by `id` (by column, never by metadata).
   */
  abstract lockInflight(tx: Tx, id: string): Promise<Transaction[]>;
  /** Sum of the commits of each hold and whether it was voided (rows that settle it). */
  abstract holdStates(
    tx: Tx,
    holdIds: string[],
  ): Promise<Map<string, { committed: bigint; voided: boolean }>>;
  /**
   * Rows a refund of `id` reverses: `id` itself, its children and the rows of the queued request
   * it names, when APPLIED, leaving out refund rows themselves. Locked FOR UPDATE in id order.
   */
  abstract lockRefundable(tx: Tx, id: string): Promise<Transaction[]>;
  /** Which of `ids` a refund already reverses (queued or applied). */
  abstract refunded(tx: Tx, ids: string[]): Promise<Set<string>>;
  /**
   * The row `id`, or else a row of the request `id` names (parent or queued parent), holds first
   * (to tell "unknown" from "wrong status", and to find a hold that is still queued).
   */
  abstract findFamilyMember(id: string, tx?: Tx): Promise<Transaction | null>;
  /**
   * Shallow-merges `patch` into meta_data of every row whose id or parent is `id` (reference
   * §2.8). Returns the number of rows touched.
   */
  abstract mergeMetaData(tx: Tx, id: string, patch: MetaData): Promise<number>;
  /** The latest reconciliation match of each of these ids that has one, in one query. */
  abstract reconciliationMarks(ids: string[]): Promise<Map<string, ReconciliationMark>>;
  /**
   * What each of these rows drew on per provider (its lineage debits, or for a hold what it
   * reserves), in allocation order; rows that drew on no tracked money are absent. One query.
   */
  abstract fundAllocations(ids: string[]): Promise<Map<string, FundAllocation[]>>;
}
