import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { QueuedAmounts } from '../balance/application/ports/queued-amounts';
import { QueuedWorkRepository } from './application/queued/ports/queued-work.repository';
import { QueuedWorkPgRepository } from './infrastructure/postgres/queued-work.pg-repository';

/**
 * The engine's answer to the balance module's `QueuedAmounts` port (`with_queued`): only the
 * engine reads its own work list. Global, because the balance module cannot import the
 * transaction module (which depends on it).
 */
export class EngineQueuedAmounts extends QueuedAmounts {
  constructor(private readonly work: QueuedWorkRepository) {
    super();
  }

  of(balanceId: string): Promise<{ debit: bigint; credit: bigint }> {
    return this.work.queuedAmounts(balanceId);
  }
}

@Global()
@Module({
  providers: [
    {
      provide: QueuedAmounts,
      useFactory: (ds: DataSource) => new EngineQueuedAmounts(new QueuedWorkPgRepository(ds)),
      inject: [DataSource],
    },
  ],
  exports: [QueuedAmounts],
})
export class QueuedAmountsModule {}
