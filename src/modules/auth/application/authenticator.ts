import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Clock } from '@libs/core/clock';
import { AuthSettings } from '../auth-settings';
import {
  ApiKey,
  hashSecret,
  keyState,
  looksLikeApiKey,
  lookupPrefix,
  secretMatches,
} from '../domain/api-key';
import { expiredApiKey, invalidApiKey, missingApiKey } from '../domain/auth.errors';
import { Caller, MASTER_CALLER } from '../domain/caller';
import { ApiKeyRepository } from './ports/api-key.repository';

/**
 * How long a looked-up key is trusted without asking the database again. A revocation made by
 * another process takes effect within this time; this process forgets a key it revokes at once.
 */
export const KEY_CACHE_TTL_MS = 500;
const CACHE_LIMIT = 10_000;
/** `last_used_at` is written at most this often per key and process. */
const TOUCH_INTERVAL_MS = 60_000;

interface CacheEntry {
  key: ApiKey | null;
  until: number;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Turns the X-Blnk-Key value into a caller: the master key, or a usable scoped key. */
@Injectable()
export class Authenticator implements OnModuleDestroy {
  private readonly logger = new Logger('Authenticator');
  private readonly masterDigest: Buffer;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly touched = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    settings: AuthSettings,
    private readonly keys: ApiKeyRepository,
    private readonly clock: Clock,
  ) {
    this.masterDigest = digest(settings.masterKey);
  }

  /**
   * @throws DomainError AUTH_MISSING_API_KEY, AUTH_INVALID_API_KEY (unknown),
   *   AUTH_EXPIRED_API_KEY (revoked or expired).
   */
  async authenticate(presented: string | undefined): Promise<Caller> {
    if (!presented) throw missingApiKey();
    // Digests of equal length: neither the content nor the length of the master key leaks.
    if (timingSafeEqual(digest(presented), this.masterDigest)) return MASTER_CALLER;
    if (!looksLikeApiKey(presented)) throw invalidApiKey();
    const key = await this.lookup(presented);
    if (!key) throw invalidApiKey();
    const now = this.clock.now();
    if (keyState(key, now) !== 'usable') throw expiredApiKey();
    this.touch(key.apiKeyId, now);
    return {
      keyId: key.apiKeyId,
      owner: key.ownerId,
      scopes: key.scopes,
      isMaster: false,
      expiresAt: key.expiresAt,
    };
  }

  /** Drops a key from this process's cache (after revoking it). */
  forget(keyHash: string): void {
    this.cache.delete(keyHash);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async lookup(presented: string): Promise<ApiKey | null> {
    const hash = hashSecret(presented);
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && hit.until > now) return hit.key;
    const candidates = await this.keys.findByPrefix(lookupPrefix(presented));
    const key = candidates.find((k) => secretMatches(presented, k.keyHash)) ?? null;
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(hash, { key, until: now + KEY_CACHE_TTL_MS });
    return key;
  }

  private touch(id: string, now: Date): void {
    const last = this.touched.get(id) ?? 0;
    if (now.getTime() - last < TOUCH_INTERVAL_MS) return;
    this.touched.set(id, now.getTime());
    const p = this.keys
      .touchLastUsed(id, now)
      .catch((e: unknown) =>
        this.logger.warn(`last_used_at not updated: ${e instanceof Error ? e.message : e}`),
      )
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }
}
