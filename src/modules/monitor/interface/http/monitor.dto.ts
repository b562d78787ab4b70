import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';
import { BIG_INT, BIG_INT_INPUT, LOSSLESS, META_DATA } from '@libs/http/api-types';
import {
  IsBigIntLike,
  IsJsonNumber,
  IsJsonObject,
  MAX_DESCRIPTION_LENGTH,
  MAX_ID_LENGTH,
  MaxChars,
  NullAsAbsent,
  OptionalNotNull,
} from '@libs/http/validators';
import { MONITOR_FIELDS, MONITOR_OPERATORS } from '../../domain/monitor';

const STR = { message: 'must be a string' };
/** Long enough for any callback URL a client means; it is stored, never called (as in Blnk). */
const MAX_URL_LENGTH = 2048;
const FIELDS = Object.keys(MONITOR_FIELDS);

export class MonitorConditionDto {
  @ApiProperty({ enum: FIELDS, example: 'balance' })
  @IsDefined({ message: 'cannot be blank' })
  @IsString(STR)
  field!: string;

  @ApiProperty({
    enum: [...MONITOR_OPERATORS],
    description: '`=` and `==` are both equality.',
    example: '>',
  })
  @IsDefined({ message: 'cannot be blank' })
  @IsString(STR)
  operator!: string;

  @ApiProperty({
    type: 'number',
    description: 'Threshold in major units (may be negative or zero); compared exactly.',
    example: 1000,
    ...LOSSLESS,
  })
  @IsDefined({ message: 'cannot be blank' })
  @IsJsonNumber()
  value!: number | bigint;

  @ApiPropertyOptional({
    type: 'integer',
    description:
      'Minor units per major unit, a positive integer. Required on create; an update without it keeps the stored one.',
    example: 100,
    ...LOSSLESS,
  })
  @OptionalNotNull()
  @IsJsonNumber()
  precision?: number | bigint;

  @ApiPropertyOptional({
    ...BIG_INT_INPUT,
    description:
      'Accepted (a monitor read back may be sent as is) and ignored: always value × precision.',
  })
  @NullAsAbsent()
  @IsBigIntLike()
  precise_value?: number | bigint | string;
}

export class CreateMonitorDto {
  @ApiProperty({ example: 'bln_0f8c9e2a-1111-4222-8333-444455556666' })
  @IsDefined({ message: 'cannot be blank' })
  @IsString(STR)
  @MaxChars(MAX_ID_LENGTH)
  balance_id!: string;

  @ApiProperty({ type: MonitorConditionDto })
  @IsDefined({ message: 'cannot be blank' })
  @IsObject({ message: 'must be a JSON object' })
  @ValidateNested()
  @Type(() => MonitorConditionDto)
  condition!: MonitorConditionDto;

  @ApiPropertyOptional({ description: 'Free text (Blnk takes it only on update).' })
  @NullAsAbsent()
  @IsString(STR)
  @MaxChars(MAX_DESCRIPTION_LENGTH)
  description?: string;

  @ApiPropertyOptional({ description: 'Stored and never called or shown (as in Blnk).' })
  @NullAsAbsent()
  @IsString(STR)
  @MaxChars(MAX_URL_LENGTH)
  call_back_url?: string;

  @ApiPropertyOptional({ ...META_DATA, description: 'Accepted and ignored (as in Blnk).' })
  @IsOptional()
  @IsJsonObject()
  meta_data?: Record<string, unknown>;
}

/** A full monitor, as Blnk's PUT takes it: the read-only fields of a GET may be sent back. */
export class UpdateMonitorDto extends CreateMonitorDto {
  @ApiPropertyOptional({ description: 'Ignored: the id is the path.' })
  @NullAsAbsent()
  @IsString(STR)
  @MaxChars(MAX_ID_LENGTH)
  monitor_id?: string;

  @ApiPropertyOptional({ description: 'Ignored: set when the monitor was created.' })
  @NullAsAbsent()
  @IsString(STR)
  @MaxChars(64)
  created_at?: string;
}

export class MonitorConditionView {
  @ApiProperty({ enum: FIELDS }) field!: string;
  @ApiProperty({ enum: [...MONITOR_OPERATORS] }) operator!: string;
  @ApiProperty({
    type: 'number',
    description: 'Threshold in major units, a bare JSON number (exact: parse losslessly).',
    ...LOSSLESS,
  })
  value!: number | bigint;
  @ApiProperty({ ...BIG_INT, example: 100, description: 'Minor units per major unit.' })
  precision!: bigint;
  @ApiProperty({ ...BIG_INT, description: 'trunc(value × precision), in minor units.' })
  precise_value!: bigint;
}

export class MonitorView {
  @ApiProperty({ example: 'mon_0f8c9e2a-1111-4222-8333-444455556666' }) monitor_id!: string;
  @ApiProperty() balance_id!: string;
  @ApiProperty({ description: '"" when none' }) description!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: MonitorConditionView }) condition!: MonitorConditionView;
}

export class MonitorMessageView {
  @ApiProperty({ example: 'BalanceMonitor updated successfully' }) message!: string;
}
