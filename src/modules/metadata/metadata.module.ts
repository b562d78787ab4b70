import { Module } from '@nestjs/common';
import { BalanceModule } from '../balance/balance.module';
import { IdentityModule } from '../identity/identity.module';
import { LedgerModule } from '../ledger/ledger.module';
import { TransactionModule } from '../transaction/transaction.module';
import { MetadataController } from './interface/http/metadata.controller';

@Module({
  imports: [LedgerModule, BalanceModule, TransactionModule, IdentityModule],
  controllers: [MetadataController],
})
export class MetadataModule {}
