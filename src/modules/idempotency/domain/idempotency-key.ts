import type { DomainError } from '@libs/core/domain-error';
import {
  idempotencyAnswerLost,
  idempotencyKeyInUse,
  idempotencyKeyReused,
  invalidIdempotencyKey,
} from './idempotency.errors';

/** Longest key accepted (Stripe's limit). */
export const MAX_KEY_LENGTH = 255;

/**
 * A committed key without an answer is "in use" this long after it was recorded: its request is
 * storing the answer right after the commit, or still running the next database transactions of
 * a request that commits in several (a non-atomic bulk, one per item). After that the answer is
 * taken as lost.
 */
export const ANSWER_GRACE_MS = 120_000;

/** The exact answer a request got: status, Content-Type, and the bytes of the body. */
export interface StoredAnswer {
  status: number;
  contentType: string | undefined;
  body: Uint8Array;
}

/** A live (not expired) record of a key. */
export interface StoredKey {
  requestHash: string;
  /** Milliseconds since it was recorded, by the database's clock. */
  ageMs: number;
  answer?: StoredAnswer;
}

export type Verdict = { replay: StoredAnswer } | { refuse: DomainError };

/**
 * The key from the header, checked: 1 to 255 visible ASCII characters (spaces inside allowed).
 * @throws DomainError IDEMPOTENCY_KEY_INVALID
 */
export function parseIdempotencyKey(raw: string): string {
  if (!raw.length) throw invalidIdempotencyKey('empty');
  if (raw.length > MAX_KEY_LENGTH) {
    throw invalidIdempotencyKey(`longer than ${MAX_KEY_LENGTH} characters`);
  }
  if (!/^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(raw)) {
    throw invalidIdempotencyKey('only visible ASCII characters are allowed');
  }
  return raw;
}

/** What a request meets when its key is already recorded. */
export function verdictOn(stored: StoredKey, requestHash: string): Verdict {
  if (stored.requestHash !== requestHash) return { refuse: idempotencyKeyReused() };
  if (stored.answer) return { replay: stored.answer };
  return {
    refuse: stored.ageMs < ANSWER_GRACE_MS ? idempotencyKeyInUse() : idempotencyAnswerLost(),
  };
}

/**
 * Whether an answer that changed nothing is kept for the key. A failure the client may retry
 * (a timeout, the rate limit, the server's own errors and back-pressure) is not: the retry is
 * carried out. An answer given with an effect is always kept.
 */
export function keepsAnswer(status: number, effect: boolean): boolean {
  return effect || (status < 500 && status !== 408 && status !== 429);
}
