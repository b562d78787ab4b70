import { Injectable } from '@nestjs/common';
import type { ListQuery, Page } from '@libs/core/list-query';
import { UnitOfWork } from '@libs/core/unit-of-work';
import type { MetaData, Transaction } from '../domain/transaction';
import { transactionNotFound } from '../domain/transaction.errors';
import {
  FundAllocation,
  ReconciliationMark,
  TransactionRepository,
} from './ports/transaction.repository';
import type { ChainSeal } from '../domain/chain';
import { ChainRepository } from './ports/chain.repository';

/** Reads of the transaction log, and the one permitted change: merging metadata. */
@Injectable()
export class TransactionQueries {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly transactions: TransactionRepository,
    private readonly chain: ChainRepository,
  ) {}

  /** Where these rows are in the hash chain; a row not sealed yet has no entry. */
  seals(ids: string[]): Promise<Map<string, ChainSeal>> {
    return this.chain.sealsOf(ids);
  }

  /**
   * The reconciliation matches of these rows, by the row's id or, for a child row, its parent's
   * (reference §8.4: the metadata goes on the matched transaction and its children); one query.
   */
  reconciliationMarks(rows: Transaction[]): Promise<Map<string, ReconciliationMark>> {
    const ids = new Set<string>();
    for (const t of rows) {
      ids.add(t.transactionId);
      if (t.parentTransaction) ids.add(t.parentTransaction);
    }
    return this.transactions.reconciliationMarks([...ids]);
  }

  /** What these rows drew on per provider (fund lineage), in one query. */
  fundAllocations(rows: Transaction[]): Promise<Map<string, FundAllocation[]>> {
    return this.transactions.fundAllocations(rows.map((t) => t.transactionId));
  }

  async get(id: string): Promise<Transaction> {
    const t = await this.transactions.findById(id);
    if (!t) throw transactionNotFound(id);
    return t;
  }

  async getByReference(reference: string): Promise<Transaction> {
    const t = await this.transactions.findByReference(reference);
    if (!t) throw transactionNotFound(reference);
    return t;
  }

  /** The row a refund of `id` reverses first: the row itself, or a member of its split or batch. */
  async findForRefund(id: string): Promise<Transaction | null> {
    return (await this.transactions.findById(id)) ?? (await this.transactions.findFamilyMember(id));
  }

  list(query: ListQuery): Promise<Page<Transaction>> {
    return this.transactions.list(query);
  }

  /** Returns the number of rows updated (0 = unknown id). */
  mergeMetaData(id: string, patch: MetaData): Promise<number> {
    return this.uow.run((tx) => this.transactions.mergeMetaData(tx, id, patch));
  }
}
