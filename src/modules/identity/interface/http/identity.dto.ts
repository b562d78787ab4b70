import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, MaxLength } from 'class-validator';
import { META_DATA } from '@libs/http/api-types';
import { IsJsonObject, MAX_ID_LENGTH, MaxChars } from '@libs/http/validators';

const text = (example?: string) => ApiPropertyOptional({ type: String, example });
const MAX = 10_000;

/**
 * An identity as a client writes it (reference §2.6): every field optional, free text. The
 * server-set `created_at` is accepted and ignored, so an object read with GET can be sent back.
 */
export class IdentityDto {
  @ApiPropertyOptional({ example: 'idt_0f8c9e2a-1111-4222-8333-444455556666' })
  @IsOptional()
  @IsString({ message: 'must be a string' })
  @MaxChars(MAX_ID_LENGTH)
  identity_id?: string;

  @text('individual') @IsOptional() @IsString() @MaxLength(MAX) identity_type?: string;
  @text('Ada') @IsOptional() @IsString() @MaxLength(MAX) first_name?: string;
  @text('Lovelace') @IsOptional() @IsString() @MaxLength(MAX) last_name?: string;
  @text() @IsOptional() @IsString() @MaxLength(MAX) other_names?: string;
  @text('female') @IsOptional() @IsString() @MaxLength(MAX) gender?: string;
  @text('ada@example.com') @IsOptional() @IsString() @MaxLength(MAX) email_address?: string;
  @text('+441234567890') @IsOptional() @IsString() @MaxLength(MAX) phone_number?: string;
  @text('GB') @IsOptional() @IsString() @MaxLength(MAX) nationality?: string;
  @text() @IsOptional() @IsString() @MaxLength(MAX) organization_name?: string;
  @text() @IsOptional() @IsString() @MaxLength(MAX) category?: string;
  @text('12 St James Sq') @IsOptional() @IsString() @MaxLength(MAX) street?: string;
  @text('United Kingdom') @IsOptional() @IsString() @MaxLength(MAX) country?: string;
  @text() @IsOptional() @IsString() @MaxLength(MAX) state?: string;
  @text('SW1Y 4JH') @IsOptional() @IsString() @MaxLength(MAX) post_code?: string;
  @text('London') @IsOptional() @IsString() @MaxLength(MAX) city?: string;

  @ApiPropertyOptional({ format: 'date-time', example: '1815-12-10T00:00:00Z' })
  @IsOptional()
  @IsString({ message: 'must be an RFC 3339 timestamp' })
  dob?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Ignored (server-set).' })
  @IsOptional()
  @IsString({ message: 'must be a string' })
  created_at?: string;

  @ApiPropertyOptional(META_DATA)
  @IsOptional()
  @IsJsonObject()
  meta_data?: Record<string, unknown>;
}

export class FieldsDto {
  @ApiProperty({ type: [String], example: ['FirstName', 'EmailAddress'] })
  @IsOptional()
  @IsArray({ message: 'must be an array of field names' })
  @ArrayMaxSize(50)
  @IsString({ each: true, message: 'must be an array of field names' })
  fields?: string[];
}

export class IdentityView {
  @ApiProperty({ example: 'idt_0f8c9e2a-1111-4222-8333-444455556666' }) identity_id!: string;
  @ApiProperty() identity_type!: string;
  @ApiProperty({ description: 'A token (FPT:…) when tokenized' }) first_name!: string;
  @ApiProperty() last_name!: string;
  @ApiProperty() other_names!: string;
  @ApiProperty() gender!: string;
  @ApiProperty({ format: 'date-time', description: '0001-01-01T00:00:00Z when unknown' })
  dob!: string;
  @ApiProperty() email_address!: string;
  @ApiProperty() phone_number!: string;
  @ApiProperty() nationality!: string;
  @ApiProperty() organization_name!: string;
  @ApiProperty() category!: string;
  @ApiProperty() street!: string;
  @ApiProperty() country!: string;
  @ApiProperty() state!: string;
  @ApiProperty() post_code!: string;
  @ApiProperty() city!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ ...META_DATA, description: 'Holds tokenized_fields: {"FirstName": true, …}' })
  meta_data!: Record<string, unknown> | null;
}

export class MessageView {
  @ApiProperty() message!: string;
}
