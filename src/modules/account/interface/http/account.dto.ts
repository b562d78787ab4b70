import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { META_DATA } from '@libs/http/api-types';
import {
  IsJsonObject,
  MAX_CURRENCY_LENGTH,
  MAX_ID_LENGTH,
  MAX_NAME_LENGTH,
  MaxChars,
  NullAsAbsent,
} from '@libs/http/validators';
import { BalanceView } from '../../../balance/interface/http/balance.dto';
import { IdentityView } from '../../../identity/interface/http/identity.dto';
import { LedgerView } from '../../../ledger/interface/http/ledger.dto';

/** POST /accounts (reference §2.7): Go's zero values, so a JSON null means absent. */
export class CreateAccountDto {
  @ApiProperty({
    description: 'The balance the account wraps; its ledger, currency and identity are used.',
    example: 'bln_0f8c9e2a-1111-4222-8333-444455556666',
  })
  @NullAsAbsent()
  @IsString({ message: 'must be a string' })
  @MaxChars(MAX_ID_LENGTH)
  balance_id?: string;

  @ApiPropertyOptional({
    description: "Used when the balance has no identity (else the balance's).",
  })
  @NullAsAbsent()
  @IsString({ message: 'must be a string' })
  @MaxChars(MAX_ID_LENGTH)
  identity_id?: string;

  @ApiPropertyOptional({ example: 'Blnk Bank' })
  @NullAsAbsent()
  @IsString({ message: 'must be a string' })
  @MaxChars(MAX_NAME_LENGTH)
  bank_name?: string;

  @ApiPropertyOptional({
    description: 'Unique; 12 random digits when absent.',
    example: '0123456789',
  })
  @NullAsAbsent()
  @IsString({ message: 'must be a string' })
  @MaxChars(MAX_NAME_LENGTH)
  number?: string;

  @ApiPropertyOptional({
    description: 'Must be absent with balance_id (it comes from the balance).',
  })
  @NullAsAbsent()
  @IsString({ message: 'must be a string' })
  @MaxChars(MAX_ID_LENGTH)
  ledger_id?: string;

  @ApiPropertyOptional({
    description: 'Must be absent with balance_id (it comes from the balance).',
  })
  @NullAsAbsent()
  @IsString({ message: 'must be a string' })
  @MaxChars(MAX_CURRENCY_LENGTH)
  currency?: string;

  @ApiPropertyOptional(META_DATA)
  @NullAsAbsent()
  @IsJsonObject()
  meta_data?: Record<string, unknown>;
}

export class AccountView {
  @ApiProperty({ example: 'acc_0f8c9e2a-1111-4222-8333-444455556666' }) account_id!: string;
  @ApiProperty({ description: "The identity's first and last name (organization name)." })
  name!: string;
  @ApiProperty() number!: string;
  @ApiProperty() bank_name!: string;
  @ApiProperty() currency!: string;
  @ApiProperty() balance_id!: string;
  @ApiProperty() identity_id!: string;
  @ApiProperty() ledger_id!: string;
  @ApiPropertyOptional({ type: LedgerView, description: 'With include=ledger' })
  ledger?: LedgerView;
  @ApiPropertyOptional({ type: BalanceView, description: 'With include=balance' })
  balance?: BalanceView;
  @ApiPropertyOptional({ type: IdentityView, description: 'With include=identity' })
  identity?: IdentityView;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty(META_DATA) meta_data!: Record<string, unknown> | null;
}

export class MockedAccountView {
  @ApiProperty({ example: 'Blnk Bank' }) bank_name!: string;
  @ApiProperty({ example: '038271648302' }) account_number!: string;
}
