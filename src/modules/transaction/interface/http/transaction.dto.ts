import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsDefined,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { BIG_INT_INPUT, META_DATA } from '@libs/http/api-types';
import {
  booleanRule,
  jsonObjectRule,
  nestedListRule,
  numberRule,
  objectDecoder,
  textRule,
  withDecoder,
} from '@libs/http/dto-decoder';
import {
  IsBigIntLike,
  IsFiniteNumber,
  IsJsonNumber,
  IsJsonObject,
  MAX_CURRENCY_LENGTH,
  MAX_DESCRIPTION_LENGTH,
  MAX_ID_LENGTH,
  MaxChars,
  NullAsAbsent,
  OptionalNotNull,
  REASONS,
} from '@libs/http/validators';

/*
 * JSON null, field by field. Required strings (currency, reference, description, identifier,
 * status, transaction_id): "cannot be blank", as Go's "" is. Amounts, precision and
 * overdraft_limit: refused ("cannot be null"), because Go would read them as 0 or "not given" and
 * a null commit amount would then settle the whole hold: money is never guessed. Everything else
 * (source/destination and their lists, flags, dates, meta_data, description of a refund): null is
 * absent, which is what Go's zero value means there too, and the usual rules then apply (a null
 * source with no sources is "either source or sources is required").
 *
 * Lengths: identifiers and references go into btree indexes (an entry holds at most 2704 bytes; a balance
 * indicator shares one with its currency), so they are bounded well below that in characters of
 * up to 4 bytes. A longer value would fail the insert with a 500 instead of a 400.
 */
const STR = { message: REASONS.string };
const BOOL = { message: REASONS.boolean };
const ID_MAX = MAX_ID_LENGTH;
const CURRENCY_MAX = MAX_CURRENCY_LENGTH;
const DISTRIBUTION_MAX = 100;
const MAX_ID = MaxLength(ID_MAX, { message: `must be at most ${ID_MAX} characters` });
const MAX_CURRENCY = MaxLength(CURRENCY_MAX, {
  message: `must be at most ${CURRENCY_MAX} characters`,
});
const MAX_DISTRIBUTION = MaxLength(DISTRIBUTION_MAX, {
  message: `must be at most ${DISTRIBUTION_MAX} characters`,
});
const BLANK = { message: REASONS.blank };
const ARRAY = { message: REASONS.array };
const ITEMS = { each: true, message: 'each item must be a JSON object' };

export class DistributionDto {
  @ApiProperty({ description: 'Balance id or @indicator', example: 'bln_…' })
  @IsDefined(BLANK)
  @IsString(STR)
  @MAX_ID
  identifier!: string;

  @ApiPropertyOptional({
    description: '"NN%", a fixed major amount such as "100.50", or "left"',
    example: '50%',
  })
  @NullAsAbsent()
  @IsString(STR)
  @MAX_DISTRIBUTION
  distribution?: string;

  @ApiPropertyOptional({ description: 'Fixed amount in minor units, or "left"', example: '1006' })
  @NullAsAbsent()
  @IsString(STR)
  @MAX_DISTRIBUTION
  precise_distribution?: string;

  @ApiPropertyOptional({ description: 'Filled on responses.' })
  @NullAsAbsent()
  @IsString(STR)
  @MAX_ID
  transaction_id?: string;
}

export class RecordTransactionDto {
  @ApiPropertyOptional({
    type: 'number',
    description: 'Major units (float). One of amount / precise_amount.',
    example: 12.5,
  })
  @OptionalNotNull()
  @IsJsonNumber()
  amount?: number | bigint;

  @ApiPropertyOptional(BIG_INT_INPUT)
  @OptionalNotNull()
  @IsBigIntLike()
  precise_amount?: number | bigint | string;

  @ApiPropertyOptional({
    type: 'integer',
    description: 'Minor units per major unit (e.g. 100); 0 or absent = 1.',
    example: 100,
  })
  @OptionalNotNull()
  @IsJsonNumber()
  precision?: number | bigint;

  @ApiProperty({ example: 'USD' })
  @IsDefined(BLANK)
  @IsString(STR)
  @MAX_CURRENCY
  currency!: string;
  @ApiProperty({ example: 'ref-0001' })
  @IsDefined(BLANK)
  @IsString(STR)
  @MAX_ID
  reference!: string;
  @ApiProperty({ example: 'Card payment' })
  @IsDefined(BLANK)
  @IsString(STR)
  @MaxChars(MAX_DESCRIPTION_LENGTH)
  description!: string;

  @ApiPropertyOptional({ description: 'Balance id or @indicator' })
  @NullAsAbsent()
  @IsString(STR)
  @MAX_ID
  source?: string;
  @ApiPropertyOptional({ description: 'Balance id or @indicator' })
  @NullAsAbsent()
  @IsString(STR)
  @MAX_ID
  destination?: string;

  @ApiPropertyOptional({ type: [DistributionDto] })
  @NullAsAbsent()
  @IsArray(ARRAY)
  @ValidateNested(ITEMS)
  @Type(() => DistributionDto)
  sources?: DistributionDto[];

  @ApiPropertyOptional({ type: [DistributionDto] })
  @NullAsAbsent()
  @IsArray(ARRAY)
  @ValidateNested(ITEMS)
  @Type(() => DistributionDto)
  destinations?: DistributionDto[];

  @ApiPropertyOptional() @NullAsAbsent() @IsBoolean(BOOL) allow_overdraft?: boolean;
  @ApiPropertyOptional({ description: 'Major units; > 0 bounds the overdraft.' })
  @OptionalNotNull()
  @IsFiniteNumber()
  overdraft_limit?: number;
  @ApiPropertyOptional() @NullAsAbsent() @IsBoolean(BOOL) inflight?: boolean;
  // Dates are checked strictly (format and calendar) with the other rules of reference §5.1.
  @ApiPropertyOptional({ format: 'date-time' })
  @NullAsAbsent()
  @IsString(STR)
  inflight_expiry_date?: string;
  @ApiPropertyOptional({ format: 'date-time' })
  @NullAsAbsent()
  @IsString(STR)
  inflight_commit_date?: string;
  @ApiPropertyOptional({ format: 'date-time' })
  @NullAsAbsent()
  @IsString(STR)
  scheduled_for?: string;
  @ApiPropertyOptional({ format: 'date-time' })
  @NullAsAbsent()
  @IsString(STR)
  effective_date?: string;
  @ApiPropertyOptional() @NullAsAbsent() @IsBoolean(BOOL) skip_queue?: boolean;
  @ApiPropertyOptional() @NullAsAbsent() @IsBoolean(BOOL) atomic?: boolean;
  @ApiPropertyOptional() @NullAsAbsent() @IsBoolean(BOOL) dry_run?: boolean;
  @ApiPropertyOptional(META_DATA)
  @NullAsAbsent()
  @IsJsonObject()
  meta_data?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Accepted for Blnk compatibility and ignored.' })
  @NullAsAbsent()
  @IsString(STR)
  @MAX_ID
  balance_id?: string;

  @ApiPropertyOptional({ description: 'Removed in Blnk 0.15; accepted and ignored.' })
  @NullAsAbsent()
  @IsJsonNumber()
  rate?: number;
}

/*
 * The decoders of the two classes above (libs/http/dto-decoder.ts): every transfer and every bulk
 * item passes through them, and class-validator cost more CPU than the rest of the request's
 * checks. Each rule restates the decorators of its field, in the order the class declares them;
 * transaction.decoder.spec.ts holds them to the decorators on thousands of generated bodies.
 */
const ID_TEXT = textRule({ required: true, max: ID_MAX });
const OPTIONAL_ID = textRule({ max: ID_MAX });
const DISTRIBUTION_TEXT = textRule({ max: DISTRIBUTION_MAX });
const DATE_TEXT = textRule({});

const decodeDistribution = objectDecoder(DistributionDto, {
  identifier: ID_TEXT,
  distribution: DISTRIBUTION_TEXT,
  precise_distribution: DISTRIBUTION_TEXT,
  transaction_id: OPTIONAL_ID,
});
withDecoder(DistributionDto, decodeDistribution);

const DISTRIBUTIONS = nestedListRule(decodeDistribution, ITEMS.message);
withDecoder(
  RecordTransactionDto,
  objectDecoder(RecordTransactionDto, {
    amount: numberRule('json', 'refused'),
    precise_amount: numberRule('bigInt', 'refused'),
    precision: numberRule('json', 'refused'),
    currency: textRule({ required: true, max: CURRENCY_MAX }),
    reference: ID_TEXT,
    description: textRule({ required: true, max: MAX_DESCRIPTION_LENGTH }),
    source: OPTIONAL_ID,
    destination: OPTIONAL_ID,
    sources: DISTRIBUTIONS,
    destinations: DISTRIBUTIONS,
    allow_overdraft: booleanRule,
    overdraft_limit: numberRule('finite', 'refused'),
    inflight: booleanRule,
    inflight_expiry_date: DATE_TEXT,
    inflight_commit_date: DATE_TEXT,
    scheduled_for: DATE_TEXT,
    effective_date: DATE_TEXT,
    skip_queue: booleanRule,
    atomic: booleanRule,
    dry_run: booleanRule,
    meta_data: jsonObjectRule,
    balance_id: OPTIONAL_ID,
    rate: numberRule('json', 'absent'),
  }),
);

export class InflightUpdateDto {
  @ApiProperty({ enum: ['commit', 'void'] })
  @IsDefined(BLANK)
  @IsString(STR)
  status!: string;

  @ApiPropertyOptional({ description: 'Major units to commit (0 or absent = all that remains).' })
  @OptionalNotNull()
  @IsFiniteNumber()
  amount?: number;

  @ApiPropertyOptional(BIG_INT_INPUT) @OptionalNotNull() @IsBigIntLike() precise_amount?:
    number | bigint | string;
  @ApiPropertyOptional() @NullAsAbsent() @IsBoolean(BOOL) skip_queue?: boolean;
  @ApiPropertyOptional() @NullAsAbsent() @IsBoolean(BOOL) dry_run?: boolean;
}

export class RefundDto {
  @ApiPropertyOptional() @NullAsAbsent() @IsBoolean(BOOL) skip_queue?: boolean;
  @ApiPropertyOptional() @NullAsAbsent() @IsBoolean(BOOL) dry_run?: boolean;
  @ApiPropertyOptional()
  @NullAsAbsent()
  @IsString(STR)
  @MaxChars(MAX_DESCRIPTION_LENGTH)
  description?: string;
  @ApiPropertyOptional(META_DATA)
  @NullAsAbsent()
  @IsJsonObject()
  meta_data?: Record<string, unknown>;
}

export class BulkTransactionsDto {
  @ApiProperty({
    type: [RecordTransactionDto],
    description: '1 to 10,000 transactions, applied in order.',
  })
  @IsDefined(BLANK)
  @IsArray(ARRAY)
  transactions!: unknown[];

  @ApiPropertyOptional({ description: 'Forces every item inflight.' })
  @NullAsAbsent()
  @IsBoolean(BOOL)
  inflight?: boolean;
  @ApiPropertyOptional({ description: 'All items or none.' })
  @NullAsAbsent()
  @IsBoolean(BOOL)
  atomic?: boolean;
  @ApiPropertyOptional() @NullAsAbsent() @IsBoolean(BOOL) run_async?: boolean;
  @ApiPropertyOptional({ description: 'Forces every item skip_queue.' })
  @NullAsAbsent()
  @IsBoolean(BOOL)
  skip_queue?: boolean;
  @ApiPropertyOptional() @NullAsAbsent() @IsBoolean(BOOL) dry_run?: boolean;
}

export class BulkVoidDto {
  @ApiProperty({ type: [String], description: '1 to 100 hold ids.' })
  @IsDefined(BLANK)
  @IsArray(ARRAY)
  @IsString({ each: true, message: 'must be an array of strings' })
  @MaxLength(ID_MAX, { each: true, message: `each id must be at most ${ID_MAX} characters` })
  transaction_ids!: string[];

  @ApiPropertyOptional() @NullAsAbsent() @IsBoolean(BOOL) skip_queue?: boolean;
  @ApiPropertyOptional() @NullAsAbsent() @IsBoolean(BOOL) dry_run?: boolean;
}

export class BulkCommitItemDto {
  @ApiProperty()
  @IsDefined(BLANK)
  @IsString(STR)
  @MAX_ID
  transaction_id!: string;
  @ApiPropertyOptional() @OptionalNotNull() @IsFiniteNumber() amount?: number;
  @ApiPropertyOptional(BIG_INT_INPUT) @OptionalNotNull() @IsBigIntLike() precise_amount?:
    number | bigint | string;
}

export class BulkCommitDto {
  @ApiProperty({
    type: [BulkCommitItemDto],
    description: '1 to 100 holds; amount absent = all that remains.',
  })
  @IsDefined(BLANK)
  @IsArray(ARRAY)
  @ValidateNested(ITEMS)
  @Type(() => BulkCommitItemDto)
  transactions!: BulkCommitItemDto[];

  @ApiPropertyOptional() @NullAsAbsent() @IsBoolean(BOOL) skip_queue?: boolean;
  @ApiPropertyOptional() @NullAsAbsent() @IsBoolean(BOOL) dry_run?: boolean;
}
