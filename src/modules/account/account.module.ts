import { Module } from '@nestjs/common';
import { BalanceCoreModule } from '../balance/balance.module';
import { IdentityModule } from '../identity/identity.module';
import { LedgerCoreModule } from '../ledger/ledger.module';
import { AccountUseCases } from './application/account.use-cases';
import { AccountRepository } from './application/ports/account.repository';
import { AccountPgRepository } from './infrastructure/postgres/account.pg-repository';
import { AccountController, MockedAccountController } from './interface/http/account.controller';

/** Accounts (reference §2.7): HTTP only; nothing in the workers needs them. */
@Module({
  imports: [BalanceCoreModule, IdentityModule, LedgerCoreModule],
  controllers: [AccountController, MockedAccountController],
  providers: [AccountUseCases, { provide: AccountRepository, useClass: AccountPgRepository }],
})
export class AccountModule {}
