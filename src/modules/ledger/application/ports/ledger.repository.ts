import type { ListQuery, Page } from '@libs/core/list-query';
import type { Tx } from '@libs/core/unit-of-work';
import type { Ledger, MetaData } from '../../domain/ledger';

export abstract class LedgerRepository {
  /** @throws DomainError LGR_DUPLICATE when the id is taken. */
  abstract insert(tx: Tx, ledger: Ledger): Promise<void>;
  abstract findById(id: string, tx?: Tx): Promise<Ledger | null>;
  /** @throws DomainError GEN_BAD_REQUEST for an invalid filter. */
  abstract list(query: ListQuery): Promise<Page<Ledger>>;
  /** Returns the updated ledger, or null when it does not exist. */
  abstract rename(tx: Tx, id: string, name: string): Promise<Ledger | null>;
  /** Shallow-merges `patch` into meta_data; returns the merged map, or null when not found. */
  abstract mergeMetaData(tx: Tx, id: string, patch: MetaData): Promise<MetaData | null>;
}
