/**
 * Token bucket: `burst` tokens at most, refilled at `rate` tokens per second; a request takes one.
 * The Redis adapter runs the same arithmetic in Lua so that every process shares one bucket.
 */
export interface BucketState {
  tokens: number;
  updatedAtMs: number;
}

export interface BucketLimits {
  rate: number;
  burst: number;
}

export interface TakeResult {
  allowed: boolean;
  /** When not allowed: how long until one token is back. */
  retryAfterMs: number;
  state: BucketState;
}

/**
 * Takes `cost` tokens (1; 0 only asks whether a token is there, changing nothing that matters:
 * the returned state holds the same tokens, brought up to date).
 */
export function takeToken(
  state: BucketState | undefined,
  nowMs: number,
  { rate, burst }: BucketLimits,
  cost: 0 | 1 = 1,
): TakeResult {
  const last = state ?? { tokens: burst, updatedAtMs: nowMs };
  const elapsed = Math.max(0, nowMs - last.updatedAtMs);
  const tokens = Math.min(burst, last.tokens + (elapsed * rate) / 1000);
  if (tokens >= 1) {
    return {
      allowed: true,
      retryAfterMs: 0,
      state: { tokens: tokens - cost, updatedAtMs: nowMs },
    };
  }
  return {
    allowed: false,
    retryAfterMs: Math.ceil(((1 - tokens) * 1000) / rate),
    state: { tokens, updatedAtMs: nowMs },
  };
}

/** How long an untouched bucket takes to fill up again, after which it can be forgotten. */
export function idleTtlMs({ rate, burst }: BucketLimits): number {
  return Math.ceil((burst * 1000) / rate);
}

/**
 * Blnk's rules for the two keys (reference §10.2): either one alone implies the other (burst is
 * twice the rate); neither means no limit at all (null).
 */
export function limitsFrom(rps?: number, burst?: number): BucketLimits | null {
  if (rps === undefined && burst === undefined) return null;
  const rate = rps ?? Math.max(1, Math.floor(burst! / 2));
  return { rate, burst: burst ?? rate * 2 };
}
