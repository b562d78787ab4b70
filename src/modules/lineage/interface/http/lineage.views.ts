import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BIG_INT } from '@libs/http/api-types';

const SHADOW_ID = {
  description:
    'Blnk names a shadow balance here. Neraca keeps lineage in typed tables written in the ' +
    'money move itself and has no shadow balances, so this is always "".',
  example: '',
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
    type: 'array',
    items: { type: 'object' },
    description: 'Always [] (Neraca posts no shadow transactions).',
  })
  shadow_transactions!: unknown[];
}
