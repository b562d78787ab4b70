import type { ListQuery, Page } from '@libs/core/list-query';
import type { Tx } from '@libs/core/unit-of-work';
import type { Identity } from '../../domain/identity';
import type { TokenizableField } from '../../domain/tokenized-fields';

/** An identity with the server's record of its tokens: field → id of the key that made it. */
export interface IdentityRecord {
  identity: Identity;
  tokens: Map<TokenizableField, string>;
  /**
   * Tokenized fields whose visible part is a keyed hash of the value (made before issue 11):
   * they still open, but equal values look equal, so rotation draws them again.
   */
  keyedVisible: Set<TokenizableField>;
}

export abstract class IdentityRepository {
  /** @throws DomainError IDT_VALIDATION_ERROR when the id is taken. */
  abstract insert(tx: Tx, identity: Identity): Promise<void>;
  abstract findById(id: string): Promise<Identity | null>;
  /** Reads and locks the row (FOR UPDATE) with its tokens; null when it does not exist. */
  abstract lock(tx: Tx, id: string): Promise<IdentityRecord | null>;
  /** Reads the row with its tokens, without a lock. */
  abstract findRecord(tx: Tx, id: string): Promise<IdentityRecord | null>;
  /** @throws DomainError GEN_BAD_REQUEST for an invalid filter. */
  abstract list(query: ListQuery): Promise<Page<Identity>>;
  /** Writes every attribute, dob and meta_data of a locked identity. */
  abstract save(tx: Tx, identity: Identity): Promise<void>;
  /** Records that `field` now holds a token made with key `keyId` (random visible part). */
  abstract putToken(tx: Tx, id: string, field: TokenizableField, keyId: string): Promise<void>;
  /**
   * @returns false when the identity does not exist.
   * @throws DomainError GEN_CONFLICT when balances or accounts still reference it.
   */
  abstract delete(tx: Tx, id: string): Promise<boolean>;
  /**
   * Ids of identities, after `afterId` in id order, holding a token that rotation should make
   * again: one not made with `keyId`, or one with a keyed visible part.
   */
  abstract withTokensToRotate(keyId: string, afterId: string, limit: number): Promise<string[]>;
}
