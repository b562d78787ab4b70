import { DynamicModule, Module } from '@nestjs/common';
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
        IdempotencyService,
        IdempotencyHooks,
        IdempotencyPruneJob,
      ],
      exports: [IdempotencyHooks, IdempotencyPruneJob],
    };
  }
}
