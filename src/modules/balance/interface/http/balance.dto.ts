import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsDefined, IsOptional, IsString } from 'class-validator';
import {
  IsFiniteNumber,
  IsJsonObject,
  MAX_CURRENCY_LENGTH,
  MAX_ID_LENGTH,
  MaxChars,
} from '@libs/http/validators';
import { BIG_INT, META_DATA } from '@libs/http/api-types';
import { LedgerView } from '../../../ledger/interface/http/ledger.dto';

export class CreateBalanceDto {
  @ApiProperty({ example: 'ldg_0f8c9e2a-1111-4222-8333-444455556666' })
  @IsDefined({ message: 'cannot be blank' })
  @IsString({ message: 'must be a string' })
  @MaxChars(MAX_ID_LENGTH)
  ledger_id!: string;

  @ApiProperty({ example: 'USD' })
  @IsDefined({ message: 'cannot be blank' })
  @IsString({ message: 'must be a string' })
  @MaxChars(MAX_CURRENCY_LENGTH)
  currency!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString({ message: 'must be a string' })
  @MaxChars(MAX_ID_LENGTH)
  identity_id?: string;

  @ApiPropertyOptional({
    description: 'Only on the general_ledger_id ledger; must match ^@\\S+$.',
    example: '@World',
  })
  @IsOptional()
  @IsString({ message: 'must be a string' })
  @MaxChars(MAX_ID_LENGTH)
  indicator?: string;

  @ApiPropertyOptional(META_DATA)
  @IsOptional()
  @IsJsonObject()
  meta_data?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Default false.' })
  @IsOptional()
  @IsBoolean({ message: 'must be a boolean' })
  track_fund_lineage?: boolean;

  @ApiPropertyOptional({ enum: ['FIFO', 'LIFO', 'PROPORTIONAL'] })
  @IsOptional()
  @IsString({ message: 'must be a string' })
  allocation_strategy?: string;

  @ApiPropertyOptional({ description: 'Accepted for Blnk compatibility and ignored.' })
  @IsOptional()
  @IsFiniteNumber()
  precision?: number;
}

export class UpdateBalanceIdentityDto {
  @ApiProperty()
  @IsDefined({ message: 'cannot be blank' })
  @IsString({ message: 'must be a string' })
  @MaxChars(MAX_ID_LENGTH)
  identity_id!: string;
}

export class BalanceView {
  @ApiProperty({ example: 'bln_0f8c9e2a-1111-4222-8333-444455556666' }) balance_id!: string;
  @ApiProperty() ledger_id!: string;
  @ApiProperty({ description: '"" when none' }) identity_id!: string;
  @ApiPropertyOptional({ example: '@World' }) indicator?: string;
  @ApiProperty() currency!: string;
  @ApiProperty(BIG_INT) balance!: bigint;
  @ApiProperty(BIG_INT) credit_balance!: bigint;
  @ApiProperty(BIG_INT) debit_balance!: bigint;
  @ApiProperty(BIG_INT) inflight_balance!: bigint;
  @ApiProperty(BIG_INT) inflight_credit_balance!: bigint;
  @ApiProperty(BIG_INT) inflight_debit_balance!: bigint;
  @ApiPropertyOptional({
    ...BIG_INT,
    description: 'Only with with_queued=true: queued debits not yet applied.',
  })
  queued_debit_balance?: bigint;
  @ApiPropertyOptional({
    ...BIG_INT,
    description: 'Only with with_queued=true: queued credits not yet applied.',
  })
  queued_credit_balance?: bigint;
  @ApiProperty() version!: number;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time', description: 'Always the zero time (legacy field).' })
  inflight_expires_at!: string;
  @ApiProperty(META_DATA) meta_data!: Record<string, unknown> | null;
  @ApiProperty() track_fund_lineage!: boolean;
  @ApiProperty({ enum: ['FIFO', 'LIFO', 'PROPORTIONAL'] }) allocation_strategy!: string;
  @ApiPropertyOptional({ type: LedgerView }) ledger?: LedgerView;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) identity?: Record<
    string,
    unknown
  >;
}

export class MessageView {
  @ApiProperty() message!: string;
}
