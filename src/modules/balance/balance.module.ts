import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module';
import { BalancePostingService } from './application/balance-posting.service';
import { BalanceUseCases } from './application/balance.use-cases';
import { BalanceBook } from './application/ports/balance-book';
import { BalanceRepository } from './application/ports/balance.repository';
import { IdentityDirectory } from './application/ports/identity-directory';
import { BalanceBookPg } from './infrastructure/postgres/balance-book.pg';
import { BalancePgRepository } from './infrastructure/postgres/balance.pg-repository';
import { IdentityDirectoryPg } from './infrastructure/postgres/identity-directory.pg';
import { BalanceController } from './interface/http/balance.controller';

@Module({
  imports: [LedgerModule],
  controllers: [BalanceController],
  providers: [
    BalanceUseCases,
    BalancePostingService,
    { provide: BalanceRepository, useClass: BalancePgRepository },
    { provide: BalanceBook, useClass: BalanceBookPg },
    { provide: IdentityDirectory, useClass: IdentityDirectoryPg },
  ],
  exports: [BalanceUseCases, BalancePostingService],
})
export class BalanceModule {}
