/** A list request after parsing: filters, combination, paging and sorting (reference §3). */
export const FILTER_OPERATORS = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'between',
  'like',
  'ilike',
  'isnull',
  'isnotnull',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export interface FieldFilter {
  field: string;
  operator: FilterOperator;
  value?: unknown;
  values?: unknown[];
}

export interface ListQuery {
  filters: FieldFilter[];
  logicalOperator: 'and' | 'or';
  limit: number;
  offset: number;
  sortBy?: string;
  sortOrder: 'asc' | 'desc';
  includeCount: boolean;
}

export interface Page<T> {
  items: T[];
  totalCount?: number;
}

export function plainList(limit: number, offset: number): ListQuery {
  return {
    filters: [],
    logicalOperator: 'and',
    limit,
    offset,
    sortOrder: 'desc',
    includeCount: false,
  };
}
