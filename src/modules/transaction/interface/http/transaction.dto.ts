import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsDefined,
  IsOptional,
  IsString,
  ValidateNested,
} from 'class-validator';
import { BIG_INT_INPUT, META_DATA } from '@libs/http/api-types';
import { IsBigIntLike, IsFiniteNumber, IsJsonNumber, IsJsonObject } from '@libs/http/validators';

const STR = { message: 'must be a string' };
const BOOL = { message: 'must be a boolean' };

export class DistributionDto {
  @ApiProperty({ description: 'Balance id or @indicator', example: 'bln_…' })
  @IsDefined({ message: 'cannot be blank' })
  @IsString(STR)
  identifier!: string;

  @ApiPropertyOptional({
    description: '"NN%", a fixed major amount such as "100.50", or "left"',
    example: '50%',
  })
  @IsOptional()
  @IsString(STR)
  distribution?: string;

  @ApiPropertyOptional({ description: 'Fixed amount in minor units, or "left"', example: '1006' })
  @IsOptional()
  @IsString(STR)
  precise_distribution?: string;

  @ApiPropertyOptional({ description: 'Filled on responses.' })
  @IsOptional()
  @IsString(STR)
  transaction_id?: string;
}

export class RecordTransactionDto {
  @ApiPropertyOptional({
    description: 'Major units (float). One of amount / precise_amount.',
    example: 12.5,
  })
  @IsOptional()
  @IsJsonNumber()
  amount?: number | bigint;

  @ApiPropertyOptional(BIG_INT_INPUT)
  @IsOptional()
  @IsBigIntLike()
  precise_amount?: number | bigint | string;

  @ApiPropertyOptional({
    description: 'Minor units per major unit (e.g. 100); 0 or absent = 1.',
    example: 100,
  })
  @IsOptional()
  @IsJsonNumber()
  precision?: number | bigint;

  @ApiProperty({ example: 'USD' })
  @IsDefined({ message: 'cannot be blank' })
  @IsString(STR)
  currency!: string;
  @ApiProperty({ example: 'ref-0001' })
  @IsDefined({ message: 'cannot be blank' })
  @IsString(STR)
  reference!: string;
  @ApiProperty({ example: 'Card payment' })
  @IsDefined({ message: 'cannot be blank' })
  @IsString(STR)
  description!: string;

  @ApiPropertyOptional({ description: 'Balance id or @indicator' })
  @IsOptional()
  @IsString(STR)
  source?: string;
  @ApiPropertyOptional({ description: 'Balance id or @indicator' })
  @IsOptional()
  @IsString(STR)
  destination?: string;

  @ApiPropertyOptional({ type: [DistributionDto] })
  @IsOptional()
  @IsArray({ message: 'must be an array' })
  @ValidateNested({ each: true })
  @Type(() => DistributionDto)
  sources?: DistributionDto[];

  @ApiPropertyOptional({ type: [DistributionDto] })
  @IsOptional()
  @IsArray({ message: 'must be an array' })
  @ValidateNested({ each: true })
  @Type(() => DistributionDto)
  destinations?: DistributionDto[];

  @ApiPropertyOptional() @IsOptional() @IsBoolean(BOOL) allow_overdraft?: boolean;
  @ApiPropertyOptional({ description: 'Major units; > 0 bounds the overdraft.' })
  @IsOptional()
  @IsFiniteNumber()
  overdraft_limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean(BOOL) inflight?: boolean;
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsString(STR)
  inflight_expiry_date?: string;
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsString(STR)
  inflight_commit_date?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsString(STR) scheduled_for?: string;
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsString(STR)
  effective_date?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean(BOOL) skip_queue?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean(BOOL) atomic?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean(BOOL) dry_run?: boolean;
  @ApiPropertyOptional(META_DATA) @IsOptional() @IsJsonObject() meta_data?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Accepted for Blnk compatibility and ignored.' })
  @IsOptional()
  @IsString(STR)
  balance_id?: string;

  @ApiPropertyOptional({ description: 'Removed in Blnk 0.15; accepted and ignored.' })
  @IsOptional()
  @IsJsonNumber()
  rate?: number;
}

export class InflightUpdateDto {
  @ApiProperty({ enum: ['commit', 'void'] })
  @IsDefined({ message: 'cannot be blank' })
  @IsString(STR)
  status!: string;

  @ApiPropertyOptional({ description: 'Major units to commit (0 or absent = all that remains).' })
  @IsOptional()
  @IsFiniteNumber()
  amount?: number;

  @ApiPropertyOptional(BIG_INT_INPUT) @IsOptional() @IsBigIntLike() precise_amount?:
    number | bigint | string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean(BOOL) skip_queue?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean(BOOL) dry_run?: boolean;
}

export class RefundDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean(BOOL) skip_queue?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean(BOOL) dry_run?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsString(STR) description?: string;
  @ApiPropertyOptional(META_DATA) @IsOptional() @IsJsonObject() meta_data?: Record<string, unknown>;
}

export class BulkTransactionsDto {
  @ApiProperty({
    type: [RecordTransactionDto],
    description: '1 to 10,000 transactions, applied in order.',
  })
  @IsDefined({ message: 'cannot be blank' })
  @IsArray({ message: 'must be an array' })
  transactions!: unknown[];

  @ApiPropertyOptional({ description: 'Forces every item inflight.' })
  @IsOptional()
  @IsBoolean(BOOL)
  inflight?: boolean;
  @ApiPropertyOptional({ description: 'All items or none.' })
  @IsOptional()
  @IsBoolean(BOOL)
  atomic?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean(BOOL) run_async?: boolean;
  @ApiPropertyOptional({ description: 'Forces every item skip_queue.' })
  @IsOptional()
  @IsBoolean(BOOL)
  skip_queue?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean(BOOL) dry_run?: boolean;
}

export class BulkVoidDto {
  @ApiProperty({ type: [String], description: '1 to 100 hold ids.' })
  @IsDefined({ message: 'cannot be blank' })
  @IsArray({ message: 'must be an array' })
  @IsString({ each: true, message: 'must be an array of strings' })
  transaction_ids!: string[];

  @ApiPropertyOptional() @IsOptional() @IsBoolean(BOOL) skip_queue?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean(BOOL) dry_run?: boolean;
}

export class BulkCommitItemDto {
  @ApiProperty() @IsDefined({ message: 'cannot be blank' }) @IsString(STR) transaction_id!: string;
  @ApiPropertyOptional() @IsOptional() @IsFiniteNumber() amount?: number;
  @ApiPropertyOptional(BIG_INT_INPUT) @IsOptional() @IsBigIntLike() precise_amount?:
    number | bigint | string;
}

export class BulkCommitDto {
  @ApiProperty({
    type: [BulkCommitItemDto],
    description: '1 to 100 holds; amount absent = all that remains.',
  })
  @IsDefined({ message: 'cannot be blank' })
  @IsArray({ message: 'must be an array' })
  @ValidateNested({ each: true })
  @Type(() => BulkCommitItemDto)
  transactions!: BulkCommitItemDto[];

  @ApiPropertyOptional() @IsOptional() @IsBoolean(BOOL) skip_queue?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean(BOOL) dry_run?: boolean;
}
