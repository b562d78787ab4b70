import { Module } from '@nestjs/common';
import { BalanceModule } from '../balance/balance.module';
import { TransactionRepository } from './application/ports/transaction.repository';
import { RecordTransactionUseCase } from './application/record-transaction.use-case';
import { TransactionQueries } from './application/transaction-queries.use-case';
import { TransactionPgRepository } from './infrastructure/postgres/transaction.pg-repository';
import { TransactionController } from './interface/http/transaction.controller';
import { RefundController } from './interface/http/refund.controller';
import { UpdateInflightUseCase } from './application/update-inflight.use-case';
import { RefundTransactionUseCase } from './application/refund-transaction.use-case';
import { BulkTransactionsUseCase } from './application/bulk-transactions.use-case';

@Module({
  imports: [BalanceModule],
  controllers: [TransactionController, RefundController],
  providers: [
    RecordTransactionUseCase,
    UpdateInflightUseCase,
    RefundTransactionUseCase,
    BulkTransactionsUseCase,
    TransactionQueries,
    { provide: TransactionRepository, useClass: TransactionPgRepository },
  ],
  exports: [RecordTransactionUseCase, TransactionQueries],
})
export class TransactionModule {}
