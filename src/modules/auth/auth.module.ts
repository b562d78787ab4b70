import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Clock } from '@libs/core/clock';
import { AuthSettings } from './auth-settings';
import { ApiKeyUseCases } from './application/api-key.use-cases';
import { Authenticator } from './application/authenticator';
import { ApiKeyRepository } from './application/ports/api-key.repository';
import { RateLimiter } from './application/ports/rate-limiter';
import {
  MemoryRateLimiter,
  UnlimitedRateLimiter,
} from './infrastructure/memory/memory-rate-limiter';
import { ApiKeyPgRepository } from './infrastructure/postgres/api-key.pg-repository';
import { RedisRateLimiter } from './infrastructure/redis/redis-rate-limiter';
import { ApiKeyController } from './interface/http/api-key.controller';
import { ApiKeyGuard } from './interface/http/api-key.guard';
import { RequestGate } from './interface/http/request-gate';

/** Buckets in Redis when the API runs as several processes, in memory otherwise; none unless configured. */
function rateLimiterFor(settings: AuthSettings, clock: Clock): RateLimiter {
  const { limits, redisDsn, redisPrefix, cleanupIntervalMs } = settings.rateLimit;
  if (!limits) return new UnlimitedRateLimiter();
  if (redisDsn) return new RedisRateLimiter(redisDsn, redisPrefix, limits);
  return new MemoryRateLimiter(limits, clock, cleanupIntervalMs);
}

@Module({
  controllers: [ApiKeyController],
  providers: [
    ApiKeyUseCases,
    Authenticator,
    { provide: ApiKeyRepository, useClass: ApiKeyPgRepository },
    { provide: RateLimiter, useFactory: rateLimiterFor, inject: [AuthSettings, Clock] },
    RequestGate,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [ApiKeyUseCases, RequestGate],
})
export class AuthModule {}
