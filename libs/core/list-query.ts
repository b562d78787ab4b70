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

/**
 * The most rows one list request returns, whatever it asks for (the filtered lists' cap of
 * reference §3.5, applied to the plain lists too): without it `GET /transactions?limit=10000000`,
 * or `GET /identities` on a large database, would build every row in memory.
 */
export const MAX_LIST_LIMIT = 1000;

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
