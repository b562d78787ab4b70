import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FILTER_OPERATORS } from '@libs/core/list-query';

/** OpenAPI description of the body of POST /{collection}/filter (reference §3.2). */
export class FieldFilterDto {
  @ApiProperty({ example: 'status' }) field!: string;
  @ApiProperty({ enum: FILTER_OPERATORS })
  operator!: string;
  @ApiPropertyOptional({ description: 'Value for single-valued operators.' }) value?: unknown;
  @ApiPropertyOptional({ type: 'array', items: {}, description: 'Values for in / between.' })
  values?: unknown[];
}

export class FilterRequestDto {
  @ApiProperty({ type: [FieldFilterDto] }) filters!: FieldFilterDto[];
  @ApiPropertyOptional({ enum: ['and', 'or'], default: 'and' }) logical_operator?: string;
  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 100 }) limit?: number;
  @ApiPropertyOptional({ default: 0 }) offset?: number;
  @ApiPropertyOptional({ default: 'created_at' }) sort_by?: string;
  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' }) sort_order?: string;
  @ApiPropertyOptional({ default: false }) include_count?: boolean;
}
