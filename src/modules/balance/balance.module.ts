import { Module } from '@nestjs/common';
import { LedgerCoreModule } from '../ledger/ledger.module';
import { BalancePostingService } from './application/balance-posting.service';
import { BalanceUseCases } from './application/balance.use-cases';
import { BalanceBook } from './application/ports/balance-book';
import { BalanceRepository } from './application/ports/balance.repository';
import { IdentityDirectory } from './application/ports/identity-directory';
import { BalanceBookPg } from './infrastructure/postgres/balance-book.pg';
import { BalancePgRepository } from './infrastructure/postgres/balance.pg-repository';
import { IdentityDirectoryPg } from './infrastructure/postgres/identity-directory.pg';
import { BalanceController } from './interface/http/balance.controller';
import { BalanceAtUseCase, BalanceSnapshotsUseCase } from './application/balance-history.use-cases';
import { BalanceHistory } from './application/ports/balance-history';
import { BalanceHistoryPg } from './infrastructure/postgres/balance-history.pg';
import { BalanceHistoryController } from './interface/http/balance-history.controller';
import { BalanceSnapshotJob } from './interface/jobs/balance-snapshot.job';

/** Balances without HTTP: what workers and the transaction module need. */
@Module({
  imports: [LedgerCoreModule],
  providers: [
    BalanceUseCases,
    BalancePostingService,
    { provide: BalanceRepository, useClass: BalancePgRepository },
    { provide: BalanceBook, useClass: BalanceBookPg },
    { provide: IdentityDirectory, useClass: IdentityDirectoryPg },
    BalanceAtUseCase,
    BalanceSnapshotsUseCase,
    BalanceSnapshotJob,
    { provide: BalanceHistory, useClass: BalanceHistoryPg },
  ],
  exports: [BalanceUseCases, BalancePostingService, BalanceAtUseCase, BalanceSnapshotsUseCase],
})
export class BalanceCoreModule {}

@Module({
  imports: [BalanceCoreModule, LedgerCoreModule],
  controllers: [BalanceController, BalanceHistoryController],
  exports: [BalanceCoreModule],
})
export class BalanceModule {}
