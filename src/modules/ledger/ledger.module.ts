import { Module } from '@nestjs/common';
import { LedgerUseCases } from './application/ledger.use-cases';
import { LedgerRepository } from './application/ports/ledger.repository';
import { LedgerPgRepository } from './infrastructure/postgres/ledger.pg-repository';
import { LedgerController } from './interface/http/ledger.controller';

/** Ledgers without HTTP: what workers and other modules need. */
@Module({
  providers: [LedgerUseCases, { provide: LedgerRepository, useClass: LedgerPgRepository }],
  exports: [LedgerUseCases],
})
export class LedgerCoreModule {}

@Module({
  imports: [LedgerCoreModule],
  controllers: [LedgerController],
  exports: [LedgerCoreModule],
})
export class LedgerModule {}
