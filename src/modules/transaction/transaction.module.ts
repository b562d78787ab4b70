import { Module } from '@nestjs/common';
import { BalanceModule } from '../balance/balance.module';
import { TransactionRepository } from './application/ports/transaction.repository';
import { RecordTransactionUseCase } from './application/record-transaction.use-case';
import { TransactionQueries } from './application/transaction-queries.use-case';
import { TransactionPgRepository } from './infrastructure/postgres/transaction.pg-repository';
import { TransactionController } from './interface/http/transaction.controller';

@Module({
  imports: [BalanceModule],
  controllers: [TransactionController],
  providers: [
    RecordTransactionUseCase,
    TransactionQueries,
    { provide: TransactionRepository, useClass: TransactionPgRepository },
  ],
  exports: [RecordTransactionUseCase, TransactionQueries],
})
export class TransactionModule {}
