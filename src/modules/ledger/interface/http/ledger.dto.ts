import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsOptional, IsString } from 'class-validator';
import { IsJsonObject, MAX_NAME_LENGTH, MaxChars } from '@libs/http/validators';
import { META_DATA } from '@libs/http/api-types';

export class CreateLedgerDto {
  @ApiProperty({ example: 'Customer wallets' })
  @IsDefined({ message: 'cannot be blank' })
  @IsString({ message: 'must be a string' })
  @MaxChars(MAX_NAME_LENGTH)
  name!: string;

  @ApiPropertyOptional(META_DATA)
  @IsOptional()
  @IsJsonObject()
  meta_data?: Record<string, unknown>;
}

export class UpdateLedgerDto {
  @ApiProperty({ example: 'Renamed ledger' })
  @IsDefined({ message: 'cannot be blank' })
  @IsString({ message: 'must be a string' })
  @MaxChars(MAX_NAME_LENGTH)
  name!: string;
}

export class LedgerView {
  @ApiProperty({ example: 'ldg_0f8c9e2a-1111-4222-8333-444455556666' }) ledger_id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty(META_DATA) meta_data!: Record<string, unknown> | null;
}
