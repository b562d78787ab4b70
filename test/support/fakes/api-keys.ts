import type { Tx } from '@libs/core/unit-of-work';
import { UnitOfWork } from '@libs/core/unit-of-work';
import { ApiKeyRepository } from '../../../src/modules/auth/application/ports/api-key.repository';
import type { ApiKey } from '../../../src/modules/auth/domain/api-key';

/** API keys in memory, for the auth use cases' unit tests. */
export class MemoryApiKeys extends ApiKeyRepository {
  readonly rows = new Map<string, ApiKey>();
  lookups = 0;

  async insert(_tx: Tx, key: ApiKey): Promise<void> {
    this.rows.set(key.apiKeyId, { ...key });
  }
  async findByPrefix(prefix: string): Promise<ApiKey[]> {
    this.lookups++;
    return [...this.rows.values()].filter((k) => k.keyPrefix === prefix).map((k) => ({ ...k }));
  }
  async findById(_tx: Tx, id: string): Promise<ApiKey | null> {
    const k = this.rows.get(id);
    return k ? { ...k } : null;
  }
  async findForShare(tx: Tx, id: string): Promise<ApiKey | null> {
    return this.findById(tx, id);
  }
  async listByOwner(ownerId: string): Promise<ApiKey[]> {
    return [...this.rows.values()]
      .filter((k) => k.ownerId === ownerId)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  }
  async revoke(_tx: Tx, id: string, at: Date): Promise<ApiKey | null> {
    const k = this.rows.get(id);
    if (!k) return null;
    k.isRevoked = true;
    k.revokedAt ??= at;
    return { ...k };
  }
  async revokeDescendants(tx: Tx, id: string, at: Date): Promise<ApiKey[]> {
    const seen = new Set([id]);
    const out: ApiKey[] = [];
    for (let frontier = [id]; frontier.length;) {
      const next = [...this.rows.values()].filter(
        (k) => frontier.includes(k.createdBy) && !seen.has(k.apiKeyId),
      );
      next.forEach((k) => seen.add(k.apiKeyId));
      for (const k of next.filter((n) => !n.isRevoked))
        out.push((await this.revoke(tx, k.apiKeyId, at))!);
      frontier = next.map((k) => k.apiKeyId);
    }
    return out;
  }
  async touchLastUsed(id: string, at: Date): Promise<void> {
    const k = this.rows.get(id);
    if (k) k.lastUsedAt = at;
  }
}

/** A unit of work with nothing to roll back (the fake repository writes in place). */
export class PassThroughUnitOfWork extends UnitOfWork {
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return work({} as Tx);
  }
}
