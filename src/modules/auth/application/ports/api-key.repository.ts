import type { Tx } from '@libs/core/unit-of-work';
import type { ApiKey } from '../../domain/api-key';

export abstract class ApiKeyRepository {
  abstract insert(tx: Tx, key: ApiKey): Promise<void>;
  /** Keys whose secret starts with `prefix` (normally one). */
  abstract findByPrefix(prefix: string): Promise<ApiKey[]>;
  abstract findById(tx: Tx, id: string): Promise<ApiKey | null>;
  /** Keys of one owner, newest first. */
  abstract listByOwner(ownerId: string): Promise<ApiKey[]>;
  /** Marks the key revoked (keeps the first revocation time); null when it does not exist. */
  abstract revoke(tx: Tx, id: string, at: Date): Promise<ApiKey | null>;
  abstract touchLastUsed(id: string, at: Date): Promise<void>;
}
