import { ApiProperty } from '@nestjs/swagger';
import { BIG_INT } from '@libs/http/api-types';

export class HistoricalBalanceView {
  @ApiProperty({ ...BIG_INT, description: 'credit_balance − debit_balance at the instant.' })
  balance!: bigint;
  @ApiProperty({ ...BIG_INT, description: 'Σ applied credits effective at or before the instant.' })
  credit_balance!: bigint;
  @ApiProperty({ ...BIG_INT, description: 'Σ applied debits effective at or before the instant.' })
  debit_balance!: bigint;
  @ApiProperty() currency!: string;
  @ApiProperty({ example: 'bln_0f8c9e2a-1111-4222-8333-444455556666' }) balance_id!: string;
}

export class BalanceAtView {
  @ApiProperty({ type: HistoricalBalanceView }) balance!: HistoricalBalanceView;
  @ApiProperty({
    format: 'date-time',
    description: 'The instant asked for, as sent (now in UTC when none was).',
  })
  timestamp!: string;
  @ApiProperty({ description: 'Whether the answer was recomputed from the first row.' })
  from_source!: boolean;
}
