import { Module } from '@nestjs/common';
import { BalanceCoreModule } from '../balance/balance.module';
import { TransactionRepository } from './application/ports/transaction.repository';
import { RecordTransactionUseCase } from './application/pipeline/record-transaction.use-case';
import { TransactionQueries } from './application/transaction-queries.use-case';
import { TransactionPgRepository } from './infrastructure/postgres/transaction.pg-repository';
import { TransactionController } from './interface/http/transaction.controller';
import { RefundController } from './interface/http/refund.controller';
import { BulkInflightController } from './interface/http/bulk-inflight.controller';
import { BulkInflightUseCase } from './application/pipeline/bulk-inflight.use-case';
import { UpdateInflightUseCase } from './application/pipeline/update-inflight.use-case';
import { RefundTransactionUseCase } from './application/pipeline/refund-transaction.use-case';
import { BulkTransactionsUseCase } from './application/pipeline/bulk-transactions.use-case';
import { DrainLaneUseCase } from './application/queued/drain-lane.use-case';
import { QueueRecoveryUseCase } from './application/queued/queue-recovery.use-case';
import { QueueTransactionUseCase } from './application/pipeline/queue-transaction.use-case';
import { QueuedWorkRepository } from './application/queued/ports/queued-work.repository';
import { QueuedWorkPgRepository } from './infrastructure/postgres/queued-work.pg-repository';
import { TransactionSubmissions } from './application/submissions';
import { PostingSessions } from './application/posting-session';
import { HoldSettler, QueuedEngine } from './application/queued/queued-engine';
import { LaneEngine } from './application/queued/lane-engine';
import { ChainRepository } from './application/ports/chain.repository';
import { ChainPgRepository } from './infrastructure/postgres/chain.pg-repository';
import { SealChainUseCase } from './application/chain/seal-chain.use-case';
import { VerifyChainUseCase } from './application/chain/verify-chain.use-case';
import { ChainSealerJob } from './interface/jobs/chain-sealer.job';
import { LaneDrainJob } from './interface/jobs/lane-drain.job';
import { EnginePostingsUseCase } from './application/pipeline/engine-postings.use-case';
import { QueueSweepJob } from './interface/jobs/queue-sweep.job';

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
    EnginePostingsUseCase,
    // The queued engine, behind the port the pipeline calls; the drain settles holds through
    // the pipeline's inflight use case.
    { provide: QueuedEngine, useClass: LaneEngine },
    { provide: HoldSettler, useExisting: UpdateInflightUseCase },
    DrainLaneUseCase,
    QueueRecoveryUseCase,
    TransactionQueries,
    { provide: QueuedWorkRepository, useClass: QueuedWorkPgRepository },
    { provide: TransactionRepository, useClass: TransactionPgRepository },
    { provide: ChainRepository, useClass: ChainPgRepository },
    SealChainUseCase,
    VerifyChainUseCase,
    ChainSealerJob,
    LaneDrainJob,
    QueueSweepJob,
  ],
  exports: [
    TransactionSubmissions,
    EnginePostingsUseCase,
    TransactionQueries,
    DrainLaneUseCase,
    QueueRecoveryUseCase,
    ChainSealerJob,
    LaneDrainJob,
    QueueSweepJob,
    VerifyChainUseCase,
  ],
})
export class TransactionCoreModule {}

@Module({
  imports: [TransactionCoreModule],
  controllers: [BulkInflightController, TransactionController, RefundController],
  exports: [TransactionCoreModule],
})
export class TransactionModule {}
