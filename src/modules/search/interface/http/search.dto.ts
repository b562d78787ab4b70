import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** OpenAPI description of a search body: the subset of Typesense's parameters Neraca answers. */
export class SearchParamsDto {
  @ApiPropertyOptional({ description: 'Query text; * (default) matches every document.' })
  q?: string;
  @ApiPropertyOptional({ description: 'Comma-separated string fields to match q against.' })
  query_by?: string;
  @ApiPropertyOptional({
    description: 'Typesense filter: := :!= :> :< :>= :<= :[a..b] :[x,y], && || and parentheses.',
  })
  filter_by?: string;
  @ApiPropertyOptional({
    description: 'Up to 3 numeric fields or _text_match, each :asc or :desc.',
  })
  sort_by?: string;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, description: 'Default 1.' })
  page?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 250, description: 'Default 10.' })
  per_page?: number;
  @ApiPropertyOptional({ description: 'Comma-separated string fields to count values of.' })
  facet_by?: string;
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, description: 'Default 10.' })
  max_facet_values?: number;
  @ApiPropertyOptional({ description: 'Comma-separated fields to keep in each document.' })
  include_fields?: string;
  @ApiPropertyOptional({ description: 'Comma-separated fields to leave out of each document.' })
  exclude_fields?: string;
  @ApiPropertyOptional({ description: 'The last word also matches as a prefix. Default true.' })
  prefix?: boolean;
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 2, description: 'Default 2.' })
  num_typos?: number;
}

export class MultiSearchItemDto extends SearchParamsDto {
  @ApiProperty({ enum: ['ledgers', 'balances', 'transactions', 'identities', 'reconciliations'] })
  collection!: string;
}

export class MultiSearchDto {
  @ApiProperty({ type: [MultiSearchItemDto] }) searches!: MultiSearchItemDto[];
}

class HighlightView {
  @ApiProperty() field!: string;
  @ApiProperty({ type: [String] }) matched_tokens!: string[];
  @ApiProperty() snippet!: string;
}

class HitView {
  @ApiProperty({ type: 'object', additionalProperties: true }) document!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true }) highlight!: Record<string, unknown>;
  @ApiProperty({ type: [HighlightView] }) highlights!: HighlightView[];
  @ApiProperty({ type: 'integer' }) text_match!: number;
}

class FacetValueView {
  @ApiProperty({ type: 'integer' }) count!: number;
  @ApiProperty() highlighted!: string;
  @ApiProperty() value!: string;
}

class FacetStatsView {
  @ApiProperty({ type: 'integer' }) total_values!: number;
}

class FacetCountView {
  @ApiProperty() field_name!: string;
  @ApiProperty({ type: [FacetValueView] }) counts!: FacetValueView[];
  @ApiProperty({ type: FacetStatsView }) stats!: FacetStatsView;
}

class RequestParamsView {
  @ApiProperty() collection_name!: string;
  @ApiProperty({ type: 'integer' }) per_page!: number;
  @ApiProperty() q!: string;
}

export class SearchResultView {
  @ApiProperty({ type: [FacetCountView] }) facet_counts!: FacetCountView[];
  @ApiProperty({ type: 'integer' }) found!: number;
  @ApiProperty({ type: [HitView] }) hits!: HitView[];
  @ApiProperty({ type: 'integer' }) out_of!: number;
  @ApiProperty({ type: 'integer' }) page!: number;
  @ApiProperty({ type: RequestParamsView }) request_params!: RequestParamsView;
  @ApiProperty() search_cutoff!: boolean;
  @ApiProperty({ type: 'integer' }) search_time_ms!: number;
}

export class MultiSearchResultView {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'A search result, or {code, error} for a search that was refused.',
  })
  results!: unknown[];
}

export class ReindexRequestDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 10000,
    description: 'Documents read and imported per batch. Default 1000.',
  })
  batch_size?: number;
}

export class ReindexProgressView {
  @ApiProperty({ enum: ['in_progress', 'completed', 'failed'] }) status!: string;
  @ApiProperty({
    description:
      'dropping_collections, indexing_<collection> (ledgers, identities, balances, transactions, reconciliations), completed',
  })
  phase!: string;
  @ApiProperty({ type: 'integer' }) total_records!: number;
  @ApiProperty({ type: 'integer' }) processed_records!: number;
  @ApiPropertyOptional({ type: [String] }) errors?: string[];
  @ApiProperty({ format: 'date-time' }) started_at!: string;
  @ApiPropertyOptional({ format: 'date-time' }) completed_at?: string;
  @ApiProperty({ description: 'True while Typesense is unreachable; the run resumes by itself.' })
  paused!: boolean;
  @ApiPropertyOptional() pause_reason?: string;
  @ApiPropertyOptional({ format: 'date-time' }) paused_at?: string;
}

export class ReindexStartedView {
  @ApiProperty({ example: 'Reindex operation started' }) message!: string;
  @ApiProperty({ type: ReindexProgressView }) progress!: ReindexProgressView;
}
