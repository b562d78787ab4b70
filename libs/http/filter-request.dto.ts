import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FILTER_OPERATORS } from '@libs/core/list-query';

const SCALAR = [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }];

/** OpenAPI description of the body of POST /{collection}/filter (reference §3.2). */
export class FieldFilterDto {
  @ApiProperty({ example: 'status' }) field!: string;
  @ApiProperty({ enum: FILTER_OPERATORS })
  operator!: string;
  @ApiPropertyOptional({ oneOf: SCALAR, description: 'Value for single-valued operators.' })
  value?: unknown;
  @ApiPropertyOptional({
    type: 'array',
    items: { oneOf: SCALAR },
    description: 'Values for in / between.',
  })
  values?: unknown[];
}

export class FilterRequestDto {
  @ApiProperty({ type: [FieldFilterDto] }) filters!: FieldFilterDto[];
  // Defaults are stated in descriptions, not as `default`: generators make a property with a
  // default required in the request type.
  @ApiPropertyOptional({ enum: ['and', 'or'], description: 'Default and.' })
  logical_operator?: string;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, description: 'Default 20.' })
  limit?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, description: 'Default 0.' })
  offset?: number;
  @ApiPropertyOptional({ description: 'Default created_at.' }) sort_by?: string;
  @ApiPropertyOptional({ enum: ['asc', 'desc'], description: 'Default desc.' })
  sort_order?: string;
  @ApiPropertyOptional({
    description: 'Default false. When true the answer is {data, total_count}, not an array.',
  })
  include_count?: boolean;
}
