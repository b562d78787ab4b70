export interface RateDecision {
  allowed: boolean;
  /** When refused: milliseconds until a request would be admitted. */
  retryAfterMs: number;
}

/** Port: one token bucket per caller (a key id, or an IP address without a key). */
export abstract class RateLimiter {
  /** Takes one token from `bucket`. Never throws for a refusal; adapters may throw on I/O failure. */
  abstract take(bucket: string): Promise<RateDecision>;

  /**
   * Whether `bucket` has a token left, without taking it (is the address throttled for failed
   * keys?). Never throws for a refusal; adapters may throw on I/O failure.
   */
  abstract peek(bucket: string): Promise<RateDecision>;
}
