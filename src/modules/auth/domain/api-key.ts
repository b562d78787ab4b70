import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * A scoped API key (reference §2.12). The secret is shown once at creation; only its SHA-256
 * digest is stored. The key carries 256 random bits, so a fast hash is enough: there is nothing
 * to brute-force that a slow hash would protect.
 */
export interface ApiKey {
  apiKeyId: string;
  name: string;
  ownerId: string;
  scopes: string[];
  /** First characters of the secret: the lookup index, and a hint that is safe to display. */
  keyPrefix: string;
  /** SHA-256 of the whole secret, hex. */
  keyHash: string;
  expiresAt: Date;
  createdAt: Date;
  lastUsedAt: Date | null;
  isRevoked: boolean;
  revokedAt: Date | null;
  /** Who created it: `master`, `cli` or the id of the API key that did. */
  createdBy: string;
}

/** Recognisable in logs, diffs and secret scanners. */
export const KEY_MARKER = 'nrk_';
export const KEY_PREFIX_LENGTH = 16;
const KEY_SHAPE = /^nrk_[A-Za-z0-9_-]{43}$/;

/** New key material: the marker and 32 random bytes in URL-safe base64 (43 characters). */
export function generateSecret(): string {
  return KEY_MARKER + randomBytes(32).toString('base64url');
}

export function looksLikeApiKey(presented: string): boolean {
  return KEY_SHAPE.test(presented);
}

export function lookupPrefix(secret: string): string {
  return secret.slice(0, KEY_PREFIX_LENGTH);
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time comparison of a presented secret with a stored digest. */
export function secretMatches(presented: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export type KeyState = 'usable' | 'revoked' | 'expired';

export function keyState(key: ApiKey, now: Date): KeyState {
  if (key.isRevoked) return 'revoked';
  return now.getTime() < key.expiresAt.getTime() ? 'usable' : 'expired';
}
