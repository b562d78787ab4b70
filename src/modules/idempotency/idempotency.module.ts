import { randomBytes } from 'node:crypto';
import { DynamicModule, Module } from '@nestjs/common';
import { AuthSettings } from '../auth/auth-settings';
import { AnswerSeal } from './application/answer-seal';
import { IdempotencyService } from './application/idempotency.service';
import { IdempotencySettings } from './application/idempotency-settings';
import { IdempotencyStore } from './application/ports/idempotency-store';
import { IdempotencyPgStore } from './infrastructure/postgres/idempotency-store.pg';
import { IdempotencyHooks } from './interface/http/idempotency.hooks';
import { IdempotencyPruneJob } from './interface/jobs/idempotency-prune.job';

/**
 * Idempotency-Key (beyond Blnk): the HTTP hooks the server registers, the store, and the prune
 * job the background work starts. `settings` from `idempotency.*`; absent = the defaults.
 */
@Module({})
export class IdempotencyModule {
  static with(settings?: IdempotencySettings): DynamicModule {
    return {
      module: IdempotencyModule,
      providers: [
        { provide: IdempotencySettings, useValue: settings ?? new IdempotencySettings() },
        { provide: IdempotencyStore, useClass: IdempotencyPgStore },
        {
          provide: AnswerSeal,
          // Under the master key in API processes; a worker only prunes, and seals nothing.
          useFactory: (auth?: AuthSettings) =>
            new AnswerSeal(auth?.masterKey ?? randomBytes(32).toString('hex')),
          inject: [{ token: AuthSettings, optional: true }],
        },
        IdempotencyService,
        IdempotencyHooks,
        IdempotencyPruneJob,
      ],
      exports: [IdempotencyHooks, IdempotencyPruneJob],
    };
  }
}
