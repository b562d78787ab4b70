import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsObject,
  IsString,
  ValidateNested,
} from 'class-validator';
import {
  IsFiniteNumber,
  MAX_DESCRIPTION_LENGTH,
  MAX_ID_LENGTH,
  MAX_NAME_LENGTH,
  MaxChars,
  NullAsAbsent,
} from '@libs/http/validators';
import { RULE_FIELDS, RULE_OPERATORS } from '../../domain/matching-rule';
import { MAX_INSTANT_ROWS } from '../../application/start-reconciliation.use-case';
import { STRATEGIES } from '../../domain/reconciliation';

const STR = { message: 'must be a string' };

export class CriterionDto {
  @ApiProperty({ enum: RULE_FIELDS }) @NullAsAbsent() @IsString(STR) @MaxChars(64) field?: string;
  @ApiProperty({ enum: RULE_OPERATORS })
  @NullAsAbsent()
  @IsString(STR)
  @MaxChars(64)
  operator?: string;
  @ApiPropertyOptional({ description: 'Stored, not used by matching (as in Blnk).' })
  @NullAsAbsent()
  @IsString(STR)
  @MaxChars(MAX_DESCRIPTION_LENGTH)
  value?: string;
  @ApiPropertyOptional({ description: 'Stored, not used by matching (as in Blnk).' })
  @NullAsAbsent()
  @IsString(STR)
  @MaxChars(MAX_DESCRIPTION_LENGTH)
  pattern?: string;
  @ApiPropertyOptional({
    type: 'number',
    description: 'amount: a fraction 0..1 (0.01 = 1%); date: seconds; text: a percentage 0..100.',
  })
  @NullAsAbsent()
  @IsFiniteNumber()
  allowable_drift?: number;
}

export class MatchingRuleDto {
  @ApiProperty({ example: 'amount within 1%, same day' })
  @NullAsAbsent()
  @IsString(STR)
  @MaxChars(MAX_NAME_LENGTH)
  name?: string;
  @ApiPropertyOptional()
  @NullAsAbsent()
  @IsString(STR)
  @MaxChars(MAX_DESCRIPTION_LENGTH)
  description?: string;
  @ApiProperty({ type: [CriterionDto] })
  @NullAsAbsent()
  @IsArray({ message: 'must be an array' })
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => CriterionDto)
  criteria?: CriterionDto[];
  // Sent back by clients that PUT a rule they read: ignored.
  @ApiPropertyOptional({ description: 'Ignored.' })
  @NullAsAbsent()
  @IsString(STR)
  @MaxChars(MAX_ID_LENGTH)
  rule_id?: string;
  @ApiPropertyOptional({ description: 'Ignored.' })
  @NullAsAbsent()
  @IsString(STR)
  @MaxChars(64)
  created_at?: string;
  @ApiPropertyOptional({ description: 'Ignored.' })
  @NullAsAbsent()
  @IsString(STR)
  @MaxChars(64)
  updated_at?: string;
}

/** What every start takes besides its statement. */
export class RunOptionsDto {
  @ApiProperty({ enum: STRATEGIES })
  @IsDefined({ message: 'cannot be blank' })
  @IsString(STR)
  @MaxChars(64)
  strategy!: string;
  @ApiProperty({ type: [String] })
  @IsDefined({ message: 'cannot be blank' })
  @IsArray({ message: 'must be an array' })
  @ArrayMaxSize(100)
  @IsString({ each: true, ...STR })
  @MaxChars(MAX_ID_LENGTH, { each: true })
  matching_rule_ids!: string[];
  @ApiPropertyOptional({
    description: 'one_to_many: an internal field; many_to_one: an external one.',
  })
  @NullAsAbsent()
  @IsString(STR)
  @MaxChars(64)
  grouping_criteria?: string;
  @ApiPropertyOptional()
  @NullAsAbsent()
  @IsBoolean({ message: 'must be a boolean' })
  dry_run?: boolean;
}

export class StartReconciliationDto extends RunOptionsDto {
  @ApiProperty({ example: 'upload_0f8c9e2a-1111-4222-8333-444455556666' })
  @IsDefined({ message: 'cannot be blank' })
  @IsString(STR)
  @MaxChars(MAX_ID_LENGTH)
  upload_id!: string;
}

export class ExternalTransactionDto {
  @ApiProperty() id!: string;
  @ApiProperty({
    type: 'number',
    description: 'Major units; exact (a decimal string is taken too).',
  })
  amount!: number;
  @ApiProperty() currency!: string;
  @ApiProperty() reference!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ format: 'date-time' }) date!: string;
}

export class StartInstantDto extends RunOptionsDto {
  @ApiProperty({ type: [ExternalTransactionDto], maxItems: MAX_INSTANT_ROWS })
  @IsDefined({ message: 'cannot be blank' })
  @IsArray({ message: 'must be an array' })
  @IsObject({ each: true, message: 'each must be a JSON object' })
  external_transactions!: Record<string, unknown>[];
}

export class UploadUrlDto {
  @ApiProperty({ example: 'https://statements.example.com/2024-01.csv' })
  @IsDefined({ message: 'cannot be blank' })
  @IsString(STR)
  @MaxChars(2048)
  url!: string;
  @ApiPropertyOptional() @NullAsAbsent() @IsString(STR) @MaxChars(MAX_NAME_LENGTH) source?: string;
}

export class CriterionView {
  @ApiProperty({ enum: RULE_FIELDS }) field!: string;
  @ApiProperty({ enum: RULE_OPERATORS }) operator!: string;
  @ApiProperty() value!: string;
  @ApiProperty() pattern!: string;
  @ApiProperty({ type: 'number' }) allowable_drift!: unknown;
}

export class MatchingRuleView {
  @ApiProperty({ example: 'rule_0f8c9e2a-1111-4222-8333-444455556666' }) rule_id!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: [CriterionView] }) criteria!: CriterionView[];
}

export class UploadView {
  @ApiProperty({ example: 'upload_0f8c9e2a-1111-4222-8333-444455556666' }) upload_id!: string;
  @ApiProperty() record_count!: number;
  @ApiProperty() source!: string;
}

export class StartedView {
  @ApiProperty({ example: 'recon_0f8c9e2a-1111-4222-8333-444455556666' })
  reconciliation_id!: string;
}

export class ProgressView {
  @ApiProperty() processed!: number;
  @ApiProperty() total!: number;
}

export class ReconciliationView {
  @ApiProperty() reconciliation_id!: string;
  @ApiProperty() upload_id!: string;
  @ApiProperty({ enum: ['started', 'in_progress', 'completed', 'failed'] }) status!: string;
  @ApiProperty() matched_transactions!: number;
  @ApiProperty() unmatched_transactions!: number;
  @ApiProperty({ description: 'The run was a dry run (Blnk always reads back false).' })
  is_dry_run!: boolean;
  @ApiProperty({ format: 'date-time' }) started_at!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completed_at!: string | null;
  @ApiProperty({ enum: STRATEGIES }) strategy!: string;
  @ApiProperty({ type: ProgressView }) progress!: ProgressView;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Seconds left at the pace so far; null when not running.',
  })
  eta_seconds!: number | null;
}

export class MatchView {
  @ApiProperty() external_transaction_id!: string;
  @ApiProperty() internal_transaction_id!: string;
  @ApiProperty({ type: 'number', description: 'The external amount, exact.' }) amount!: unknown;
  @ApiProperty({ format: 'date-time' }) date!: string;
  @ApiProperty() rule_id!: string;
}

export class UnmatchedRecordView {
  @ApiProperty() external_transaction_id!: string;
}

export class MessageView {
  @ApiProperty({ example: 'Matching rule deleted successfully' }) message!: string;
}
