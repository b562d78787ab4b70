import type { FilterOperator } from '@libs/core/list-query';

/**
 * The allow-list behind every list endpoint (reference §3.4): a field a client may filter or sort
 * on is a key of `fields` (or `virtual`), and only the column names written here ever reach SQL.
 */
export type FieldType = 'text' | 'numeric' | 'timestamp' | 'date' | 'boolean';

export interface FieldSpec {
  column: string;
  type: FieldType;
}

/** What a virtual field may use to build its condition; handed out by the compiler. */
export interface SqlBuilder {
  /** The quoted, qualified reference to a column of the spec's table. */
  column(name: string): string;
  /**
   * A condition on any SQL expression of the given type, with the same operator semantics,
   * value checks and parameter binding as a real column of that type.
   */
  condition(expr: string, type: FieldType, op: FilterOperator, values: readonly unknown[]): string;
}

/**
 * A filter field that is not one column. The compiler has already checked the operator against
 * `operators` and the arity; `values` is `[value]`, the `values` list, or `[]` for null checks.
 */
export interface VirtualField {
  operators?: readonly FilterOperator[];
  compile(op: FilterOperator, values: readonly unknown[], sql: SqlBuilder): string;
}

export interface TableSpec {
  table: string;
  /** Set when the caller's FROM names the table with an alias; columns are qualified with it. */
  alias?: string;
  fields: Record<string, FieldSpec>;
  /** JSONB column reached by `meta_data.<key>` filters; absent = no metadata filters. */
  metaColumn?: string;
  virtual?: Record<string, VirtualField>;
  /** Unique, monotonic column used as the sort tie-breaker (default `id`). */
  idColumn?: string;
}

/** Identifiers here come from code, never from a request; quoting keeps keywords harmless. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Fields of one type whose filter names are their column names. */
export function fieldsOf(type: FieldType, names: readonly string[]): Record<string, FieldSpec> {
  return Object.fromEntries(names.map((name) => [name, { column: name, type }]));
}
