import { Logger, OnModuleDestroy } from '@nestjs/common';
import type IORedis from 'ioredis';
import { connectRedis } from '@libs/redis/redis-connection';
import { BucketLimits, idleTtlMs } from '../../domain/token-bucket';
import { RateDecision, RateLimiter } from '../../application/ports/rate-limiter';

/**
 * The token bucket of domain/token-bucket.ts, run atomically inside Redis so that every API
 * process takes from the same bucket. Time comes from Redis (TIME), not from the processes, so
 * their clocks need not agree. One key per bucket: fine on Redis Cluster.
 */
const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  if cost == 0 then return {1, 0} end
  tokens = burst
  ts = now
end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - cost
  allowed = 1
else
  retry = math.ceil((1 - tokens) * 1000 / rate)
end
if cost == 0 then return {allowed, retry} end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], ttl)
return {allowed, retry}
`;

type WithTake = IORedis & {
  neracaTakeToken(
    key: string,
    rate: number,
    burst: number,
    ttl: number,
    cost: 0 | 1,
  ): Promise<[number, number]>;
};

export class RedisRateLimiter extends RateLimiter implements OnModuleDestroy {
  private readonly logger = new Logger('RateLimiter');
  private readonly redis: WithTake;
  private lastWarning = 0;

  constructor(
    dsn: string,
    private readonly prefix: string,
    private readonly limits: BucketLimits,
  ) {
    super();
    // A request must not wait on an unreachable Redis: fail fast, then admit (see take()).
    this.redis = connectRedis(dsn, { maxRetriesPerRequest: 1, commandTimeout: 1000 }) as WithTake;
    this.redis.defineCommand('neracaTakeToken', { numberOfKeys: 1, lua: TAKE });
    this.redis.on('error', () => undefined);
  }

  take(bucket: string): Promise<RateDecision> {
    return this.run(bucket, 1);
  }

  peek(bucket: string): Promise<RateDecision> {
    return this.run(bucket, 0);
  }

  private async run(bucket: string, cost: 0 | 1): Promise<RateDecision> {
    try {
      const [allowed, retry] = await this.redis.neracaTakeToken(
        `${this.prefix}:rl:${bucket}`,
        this.limits.rate,
        this.limits.burst,
        idleTtlMs(this.limits) + 1000,
        cost,
      );
      return { allowed: allowed === 1, retryAfterMs: Number(retry) };
    } catch (e) {
      // Rate limiting protects capacity, not correctness: without Redis, requests are admitted.
      if (Date.now() - this.lastWarning > 10_000) {
        this.lastWarning = Date.now();
        this.logger.warn(`rate limit not enforced, Redis failed: ${(e as Error).message}`);
      }
      return { allowed: true, retryAfterMs: 0 };
    }
  }

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}
