import { OnModuleDestroy } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { BucketLimits, BucketState, idleTtlMs, takeToken } from '../../domain/token-bucket';
import { RateDecision, RateLimiter } from '../../application/ports/rate-limiter';

/** Buckets in this process (embedded mode: one API process, no Redis). */
export class MemoryRateLimiter extends RateLimiter implements OnModuleDestroy {
  private readonly buckets = new Map<string, BucketState>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly limits: BucketLimits,
    private readonly clock: Clock,
    cleanupIntervalMs: number,
  ) {
    super();
    this.sweeper = setInterval(() => this.sweep(), cleanupIntervalMs);
    this.sweeper.unref();
  }

  take(bucket: string): Promise<RateDecision> {
    const r = takeToken(this.buckets.get(bucket), this.clock.now().getTime(), this.limits);
    this.buckets.set(bucket, r.state);
    return Promise.resolve({ allowed: r.allowed, retryAfterMs: r.retryAfterMs });
  }

  peek(bucket: string): Promise<RateDecision> {
    const state = this.buckets.get(bucket);
    if (!state) return Promise.resolve({ allowed: true, retryAfterMs: 0 });
    const r = takeToken(state, this.clock.now().getTime(), this.limits, 0);
    return Promise.resolve({ allowed: r.allowed, retryAfterMs: r.retryAfterMs });
  }

  /** Drops buckets that have refilled completely: they are the same as no bucket. */
  sweep(): void {
    const full = this.clock.now().getTime() - idleTtlMs(this.limits);
    for (const [k, s] of this.buckets) if (s.updatedAtMs <= full) this.buckets.delete(k);
  }

  get size(): number {
    return this.buckets.size;
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }
}

/** No limit configured: nothing to count. */
export class UnlimitedRateLimiter extends RateLimiter {
  take(): Promise<RateDecision> {
    return Promise.resolve({ allowed: true, retryAfterMs: 0 });
  }

  peek(): Promise<RateDecision> {
    return this.take();
  }
}
