import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsDefined, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsRfc3339 } from '@libs/http/validators';

const STR = { message: 'must be a string' };

export class CreateApiKeyDto {
  @ApiProperty({ example: 'payments service' })
  @IsDefined({ message: 'cannot be blank' })
  @IsString(STR)
  @MaxLength(200, { message: 'must be at most 200 characters' })
  name!: string;

  @ApiProperty({ example: 'team-payments', description: 'Owner the key belongs to.' })
  @IsOptional()
  @IsString(STR)
  @MaxLength(200, { message: 'must be at most 200 characters' })
  owner?: string;

  @ApiProperty({
    example: ['ledgers:read', 'transactions:*'],
    description:
      '`resource:action`; resource is a route family or `*`, action is read, write, delete, `*`, ' +
      'or (identities only) detokenize.',
  })
  @IsDefined({ message: 'cannot be blank' })
  @IsArray({ message: 'must be an array of strings' })
  @ArrayMaxSize(100, { message: 'must hold at most 100 scopes' })
  @IsString({ each: true, message: 'must be an array of strings' })
  scopes!: string[];

  @ApiProperty({ format: 'date-time', example: '2026-03-11T00:00:00Z' })
  @IsDefined({ message: 'cannot be blank' })
  @IsString(STR)
  // Strict: 2027-02-30 is refused, not rolled over into March.
  @IsRfc3339({ message: 'must be an RFC 3339 date-time such as 2026-03-11T00:00:00Z' })
  expires_at!: string;
}

export class ApiKeyView {
  @ApiProperty({ example: 'api_key_0f8c9e2a-1111-4222-8333-444455556666' }) api_key_id!: string;
  @ApiProperty({
    description:
      'On creation: the secret key, shown this once. In lists: only its first characters and "…".',
    example: 'nrk_Zm9vYmFyYmF6cXV4cXV1eA…',
  })
  key!: string;
  @ApiProperty() name!: string;
  @ApiProperty() owner_id!: string;
  @ApiProperty({ type: [String] }) scopes!: string[];
  @ApiProperty({ format: 'date-time' }) expires_at!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time', description: '0001-01-01T00:00:00Z when never used.' })
  last_used_at!: string;
  @ApiProperty() is_revoked!: boolean;
  @ApiPropertyOptional({ format: 'date-time' }) revoked_at?: string;
  @ApiProperty({
    description:
      'Who created the key: `master`, `cli` (the console) or the id of the API key that did ' +
      '(Neraca addition; `DELETE /api-keys/:id?cascade=true` revokes along these links).',
    example: 'master',
  })
  created_by!: string;
}
