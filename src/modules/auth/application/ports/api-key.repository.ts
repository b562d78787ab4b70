import type { Tx } from '@libs/core/unit-of-work';
import type { ApiKey } from '../../domain/api-key';

export abstract class ApiKeyRepository {
  abstract insert(tx: Tx, key: ApiKey): Promise<void>;
  /** Keys whose secret starts with `prefix` (normally one). */
  abstract findByPrefix(prefix: string): Promise<ApiKey[]>;
  /** Reads and locks the key for update (revocation); null when it does not exist. */
  abstract findById(tx: Tx, id: string): Promise<ApiKey | null>;
  /**
   * Reads the key with a share lock held to the end of `tx`: a key creating another holds it, so
   * a revocation running at the same time waits and then sees the new key among its descendants.
   */
  abstract findForShare(tx: Tx, id: string): Promise<ApiKey | null>;
  /** Keys of one owner, newest first. */
  abstract listByOwner(ownerId: string): Promise<ApiKey[]>;
  /** Marks the key revoked (keeps the first revocation time); null when it does not exist. */
  abstract revoke(tx: Tx, id: string, at: Date): Promise<ApiKey | null>;
  /**
   * Revokes the keys `id` created, and those they created, transitively (through keys already
   * revoked too; a cycle in `created_by` ends the walk). Returns the keys this call revoked; a
   * key created while it ran may be missed, so callers repeat it until it returns none.
   */
  abstract revokeDescendants(tx: Tx, id: string, at: Date): Promise<ApiKey[]>;
  abstract touchLastUsed(id: string, at: Date): Promise<void>;
}
