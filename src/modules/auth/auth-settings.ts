import type { BucketLimits } from './domain/token-bucket';

/** Rate limiting (reference §10.2 `rate_limit.*`): off when `limits` is null. */
export class RateLimitSettings {
  constructor(
    readonly limits: BucketLimits | null = null,
    /** Redis DSN for buckets shared by every API process; empty = in this process only. */
    readonly redisDsn = '',
    /** Redis key prefix (`<prefix>:rl:<bucket>`), so deployments and test runs do not collide. */
    readonly redisPrefix = 'neraca',
    /** How often idle in-memory buckets are dropped. */
    readonly cleanupIntervalMs = 10_800_000,
  ) {}
}

/** How requests are authenticated: `secure` off means no key is asked for (explicit opt-out). */
export class AuthSettings {
  constructor(
    readonly secure: boolean,
    readonly masterKey: string,
    readonly rateLimit: RateLimitSettings = new RateLimitSettings(),
    /** `server.metrics_bearer_token`: the bearer GET /metrics asks for ('' = none, §2.1). */
    readonly metricsBearerToken = '',
  ) {}
}
