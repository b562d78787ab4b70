import { Module } from '@nestjs/common';
import { BalanceCoreModule } from '../balance/balance.module';
import { TransactionCoreModule } from '../transaction/transaction.module';
import { LineageQueries } from './application/lineage-queries.use-case';
import { LineageRepository } from './application/ports/lineage.repository';
import { LineagePgRepository } from './infrastructure/postgres/lineage.pg-repository';
import {
  BalanceLineageController,
  TransactionLineageController,
} from './interface/http/lineage.controller';

/**
 * Fund lineage reads. The bookkeeping itself is the database's (migration FundLineage): it is
 * written in the transaction of each money move, under the engine's balance locks.
 */
@Module({
  imports: [BalanceCoreModule, TransactionCoreModule],
  providers: [LineageQueries, { provide: LineageRepository, useClass: LineagePgRepository }],
  controllers: [BalanceLineageController, TransactionLineageController],
})
export class LineageModule {}
