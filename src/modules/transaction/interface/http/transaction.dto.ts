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
import { BIG_INT, BIG_INT_INPUT, META_DATA } from '@libs/http/api-types';
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

export class TransactionView {
  @ApiProperty({ example: 'txn_0f8c9e2a-1111-4222-8333-444455556666' }) transaction_id!: string;
  @ApiProperty({ description: '"" when none' }) parent_transaction!: string;
  @ApiPropertyOptional() source?: string;
  @ApiPropertyOptional() destination?: string;
  @ApiPropertyOptional({ type: [DistributionDto] }) sources?: DistributionDto[];
  @ApiPropertyOptional({ type: [DistributionDto] }) destinations?: DistributionDto[];
  @ApiProperty() reference!: string;
  @ApiProperty({ type: 'number', description: 'Major units, written digit for digit.' })
  amount!: unknown;
  @ApiPropertyOptional({ description: 'Exact decimal, when derived from precise_amount.' })
  amount_string?: string;
  @ApiProperty(BIG_INT) precise_amount!: bigint;
  @ApiProperty(BIG_INT) precision!: bigint;
  @ApiProperty({ type: 'number' }) overdraft_limit!: unknown;
  @ApiProperty() currency!: string;
  @ApiPropertyOptional() description?: string;
  @ApiProperty({ enum: ['QUEUED', 'SCHEDULED', 'APPLIED', 'INFLIGHT', 'VOID', 'REJECTED'] })
  status!: string;
  @ApiProperty() hash!: string;
  @ApiProperty() allow_overdraft!: boolean;
  @ApiProperty() inflight!: boolean;
  @ApiProperty() skip_queue!: boolean;
  @ApiProperty() atomic!: boolean;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiPropertyOptional({ format: 'date-time' }) effective_date?: string;
  @ApiProperty({ format: 'date-time' }) scheduled_for!: string;
  @ApiProperty({ format: 'date-time' }) inflight_expiry_date!: string;
  @ApiProperty({ format: 'date-time' }) inflight_commit_date!: string;
  @ApiPropertyOptional(META_DATA) meta_data?: Record<string, unknown>;
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

export class BulkResultView {
  @ApiProperty({ example: 'bulk_0f8c9e2a-1111-4222-8333-444455556666' }) batch_id!: string;
  @ApiProperty({ enum: ['applied', 'inflight'] }) status!: string;
  @ApiProperty() transaction_count!: number;
}

export class BalancePreviewView {
  @ApiProperty() balance_id!: string;
  @ApiProperty({ enum: ['source', 'destination'] }) role!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ description: 'An @indicator balance that would be created.' }) virtual!: boolean;
  @ApiProperty() current_balance!: string;
  @ApiProperty() current_available!: string;
  @ApiProperty() current_credit_balance!: string;
  @ApiProperty() current_debit_balance!: string;
  @ApiProperty() current_inflight_debit_balance!: string;
  @ApiProperty() current_inflight_credit_balance!: string;
  @ApiProperty() resulting_balance!: string;
  @ApiProperty() resulting_available!: string;
  @ApiProperty() resulting_credit_balance!: string;
  @ApiProperty() resulting_debit_balance!: string;
  @ApiProperty() resulting_inflight_debit_balance!: string;
  @ApiProperty() resulting_inflight_credit_balance!: string;
}

export class TransactionPreviewView {
  @ApiProperty({ example: true }) dry_run!: boolean;
  @ApiProperty() would_apply!: boolean;
  @ApiPropertyOptional({
    example: { code: 'TXN_INSUFFICIENT_FUNDS', reason: 'insufficient_funds', message: '…' },
  })
  rejection?: Record<string, string>;
  @ApiPropertyOptional({ enum: ['commit', 'void'] }) operation?: string;
  @ApiPropertyOptional() status?: string;
  @ApiProperty() reference!: string;
  @ApiProperty() currency!: string;
  @ApiProperty({ type: 'number' }) amount!: unknown;
  @ApiProperty({ description: 'Minor units as a string (previews use strings).' })
  precise_amount!: string;
  @ApiProperty(BIG_INT) precision!: bigint;
  @ApiProperty({ type: [BalancePreviewView] }) balances!: BalancePreviewView[];
  @ApiPropertyOptional({ type: 'array', items: { type: 'object' } }) legs?: unknown[];
  @ApiProperty({ type: [String] }) notes!: string[];
}

export class BulkPreviewView {
  @ApiProperty() dry_run!: boolean;
  @ApiProperty() would_apply!: boolean;
  @ApiProperty() cumulative!: boolean;
  @ApiProperty() atomic!: boolean;
  @ApiProperty({ type: [TransactionPreviewView] }) results!: TransactionPreviewView[];
  @ApiProperty({ type: [String] }) notes!: string[];
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

export class BulkInflightResultView {
  @ApiProperty() succeeded!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({
    type: 'array',
    items: {
      type: 'object',
      properties: {
        transaction_id: { type: 'string' },
        status: { type: 'string', enum: ['queued', 'succeeded', 'failed'] },
        code: { type: 'string' },
        message: { type: 'string' },
      },
    },
  })
  results!: unknown[];
}
