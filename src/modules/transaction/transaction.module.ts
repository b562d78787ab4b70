import { Module } from '@nestjs/common';
import { BalanceCoreModule } from '../balance/balance.module';
import { TransactionRepository } from './application/ports/transaction.repository';
import { RecordTransactionUseCase } from './application/record-transaction.use-case';
import { TransactionQueries } from './application/transaction-queries.use-case';
import { TransactionPgRepository } from './infrastructure/postgres/transaction.pg-repository';
import { TransactionController } from './interface/http/transaction.controller';
import { RefundController } from './interface/http/refund.controller';
import { BulkInflightController } from './interface/http/bulk-inflight.controller';
import { BulkInflightUseCase } from './application/bulk-inflight.use-case';
import { UpdateInflightUseCase } from './application/update-inflight.use-case';
import { RefundTransactionUseCase } from './application/refund-transaction.use-case';
import { BulkTransactionsUseCase } from './application/bulk-transactions.use-case';
import { DrainLaneUseCase } from './application/drain-lane.use-case';
import { QueueRecoveryUseCase } from './application/queue-recovery.use-case';
import { QueueTransactionUseCase } from './application/queue-transaction.use-case';
import { QueuedWorkRepository } from './application/ports/queued-work.repository';
import { QueuedWorkPgRepository } from './infrastructure/postgres/queued-work.pg-repository';
import { TransactionSubmissions } from './application/submissions';
import { PostingSessions } from './application/posting-session';

/** The engine without HTTP: the submission pipeline, the queued engine, reads. Workers run this. */
@Module({
  imports: [BalanceCoreModule],
  providers: [
    TransactionSubmissions,
    PostingSessions,
    RecordTransactionUseCase,
    UpdateInflightUseCase,
    BulkInflightUseCase,
    RefundTransactionUseCase,
    BulkTransactionsUseCase,
    QueueTransactionUseCase,
    DrainLaneUseCase,
    QueueRecoveryUseCase,
    TransactionQueries,
    { provide: QueuedWorkRepository, useClass: QueuedWorkPgRepository },
    { provide: TransactionRepository, useClass: TransactionPgRepository },
  ],
  exports: [TransactionSubmissions, TransactionQueries, DrainLaneUseCase, QueueRecoveryUseCase],
})
export class TransactionCoreModule {}

@Module({
  imports: [TransactionCoreModule],
  controllers: [BulkInflightController, TransactionController, RefundController],
  exports: [TransactionCoreModule],
})
export class TransactionModule {}
