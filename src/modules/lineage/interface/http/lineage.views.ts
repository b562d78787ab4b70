import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BIG_INT } from '@libs/http/api-types';
import { TransactionView } from '../../../transaction/interface/http/transaction.views';

const SHADOW_ID = {
  description:
    'A fund-lineage shadow balance (GET /balances/:id works on it). Posted after commit by the ' +
    'shadow projection: "" until the first shadow transaction of this balance is posted.',
  example: 'bln_0b1c2d3e-…',
};

export class ProviderLineageView {
  @ApiProperty({ example: 'stripe' }) provider!: string;
  @ApiProperty({ ...BIG_INT, description: 'Received from this provider (minor units).' })
  amount!: bigint;
  @ApiProperty({ ...BIG_INT, description: 'amount − spent.' }) available!: bigint;
  @ApiProperty({ ...BIG_INT, description: 'Allocated to settled debits.' }) spent!: bigint;
  @ApiProperty({
    ...BIG_INT,
    description: 'Of available, reserved by inflight holds (beyond Blnk).',
  })
  held!: bigint;
  @ApiProperty(SHADOW_ID) shadow_balance_id!: string;
}

export class BalanceLineageView {
  @ApiProperty() balance_id!: string;
  @ApiProperty({ ...BIG_INT, description: 'Σ available over the providers.' })
  total_with_lineage!: bigint;
  @ApiProperty(SHADOW_ID) aggregate_balance_id!: string;
  @ApiProperty({ type: [ProviderLineageView] }) providers!: ProviderLineageView[];
}

export class FundAllocationView {
  @ApiProperty({ example: 'stripe' }) provider!: string;
  @ApiProperty(BIG_INT) amount!: bigint;
}

export class TransactionLineageView {
  @ApiProperty() transaction_id!: string;
  @ApiPropertyOptional({
    type: [FundAllocationView],
    description: 'The providers the transaction spent (or, for a hold, reserves); absent if none.',
  })
  fund_allocation?: FundAllocationView[];
  @ApiProperty({
    type: () => [TransactionView],
    description:
      'The shadow transactions mirroring its allocations, posted after commit (may lag the ' +
      'transaction briefly; [] until posted).',
  })
  shadow_transactions!: Record<string, unknown>[];
}
