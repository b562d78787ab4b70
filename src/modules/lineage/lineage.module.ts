import { Module } from '@nestjs/common';
import { BalanceCoreModule } from '../balance/balance.module';
import { TransactionCoreModule } from '../transaction/transaction.module';
import { LineageQueries } from './application/lineage-queries.use-case';
import { LineageRepository } from './application/ports/lineage.repository';
import { ShadowLedgerRepository } from './application/ports/shadow-ledger.repository';
import { ProjectShadowsUseCase } from './application/project-shadows.use-case';
import { LineagePgRepository } from './infrastructure/postgres/lineage.pg-repository';
import { ShadowLedgerPgRepository } from './infrastructure/postgres/shadow-ledger.pg-repository';
import {
  BalanceLineageController,
  TransactionLineageController,
} from './interface/http/lineage.controller';
import { LineageShadowJob } from './interface/jobs/lineage-shadow.job';

/**
 * Fund lineage without HTTP: the reads and the shadow projection (workers run this). The
 * bookkeeping itself is the database's (migration FundLineage): it is written in the transaction
 * of each money move, under the engine's balance locks; shadow transactions follow after commit.
 */
@Module({
  imports: [BalanceCoreModule, TransactionCoreModule],
  providers: [
    LineageQueries,
    ProjectShadowsUseCase,
    LineageShadowJob,
    { provide: LineageRepository, useClass: LineagePgRepository },
    { provide: ShadowLedgerRepository, useClass: ShadowLedgerPgRepository },
  ],
  exports: [LineageQueries, LineageShadowJob],
})
export class LineageCoreModule {}

@Module({
  imports: [LineageCoreModule],
  controllers: [BalanceLineageController, TransactionLineageController],
})
export class LineageModule {}
