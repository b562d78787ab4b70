import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { HOOK_TYPES } from '../../domain/hook';

/** The body of POST /hooks and PUT /hooks/:id (documentation: the use case reads the body). */
export class HookRequestDto {
  @ApiPropertyOptional({
    description:
      'POST only: the id to give the hook (letters, digits, `_ . : -`); default `hook_<uuid>`.',
    example: 'hook_fraud_check',
  })
  id?: string;
  @ApiPropertyOptional({ example: 'fraud check' }) name?: string;
  @ApiProperty({ example: 'https://hooks.example.com/blnk', description: 'An http or https URL.' })
  url!: string;
  @ApiProperty({ enum: HOOK_TYPES }) type!: string;
  @ApiPropertyOptional({ description: 'Only active hooks are called (default false, as Blnk).' })
  active?: boolean;
  @ApiPropertyOptional({
    type: 'integer',
    description: 'Seconds per attempt; 0 or less = 30; at most 300.',
    example: 10,
  })
  timeout?: number;
  @ApiPropertyOptional({
    type: 'integer',
    description: 'Retries after a failed attempt; below 0 = 3; at most 10.',
    example: 3,
  })
  retry_count?: number;
  @ApiPropertyOptional({
    description:
      'Neraca addition, PRE_TRANSACTION only: the transaction waits for the answer, and a ' +
      'failure (`"success": false`, a non-2xx) refuses it.',
  })
  blocking?: boolean;
  @ApiPropertyOptional({
    description:
      'Neraca addition, blocking hooks only: a hook that times out or cannot be reached lets ' +
      'the transaction through instead of refusing it.',
  })
  fail_open?: boolean;
}

export class HookView {
  @ApiProperty({ example: 'hook_0f8c9e2a-1111-4222-8333-444455556666' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ enum: HOOK_TYPES }) type!: string;
  @ApiProperty() active!: boolean;
  @ApiProperty({ type: 'integer' }) timeout!: number;
  @ApiProperty({ type: 'integer' }) retry_count!: number;
  @ApiProperty({ description: 'Neraca addition.' }) blocking!: boolean;
  @ApiProperty({ description: 'Neraca addition.' }) fail_open!: boolean;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time', description: '0001-01-01T00:00:00Z when never called.' })
  last_run!: string;
  @ApiProperty({ description: 'Whether the last attempt succeeded.' }) last_success!: boolean;
}

export class HookDeletedView {
  @ApiProperty({ example: 'hook deleted successfully' }) message!: string;
}
