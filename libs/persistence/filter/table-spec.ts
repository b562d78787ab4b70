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

function fieldsOf(type: FieldType, names: readonly string[]): Record<string, FieldSpec> {
  return Object.fromEntries(names.map((name) => [name, { column: name, type }]));
}

/**
 * `balance_id` on transactions matches either leg. `ne` means neither leg equals the value and
 * `isnull` means both legs are empty, mirroring Blnk; SQL `<>` keeps Blnk's NULL behaviour.
 */
const EITHER_LEG: VirtualField = {
  operators: ['eq', 'ne', 'in', 'isnull', 'isnotnull'],
  compile(op, values, sql) {
    const source = sql.condition(sql.column('source'), 'text', op, values);
    const destination = sql.condition(sql.column('destination'), 'text', op, values);
    const join = op === 'ne' || op === 'isnull' ? 'AND' : 'OR';
    return `(${source} ${join} ${destination})`;
  },
};

/**
 * `indicator` on transactions: a leg's balance has a matching indicator. EXISTS probes the
 * balances primary key once per candidate row instead of materialising every matching balance.
 */
const LEG_INDICATOR: VirtualField = {
  compile(op, values, sql) {
    const b = quoteIdent('_leg_balance');
    const cond = sql.condition(`${b}.${quoteIdent('indicator')}`, 'text', op, values);
    const legs = `${sql.column('source')}, ${sql.column('destination')}`;
    return (
      `EXISTS (SELECT 1 FROM ${quoteIdent('balances')} AS ${b} ` +
      `WHERE ${b}.${quoteIdent('balance_id')} IN (${legs}) AND ${cond})`
    );
  },
};

export const LEDGERS_TABLE: TableSpec = {
  table: 'ledgers',
  fields: {
    ...fieldsOf('text', ['ledger_id', 'name']),
    ...fieldsOf('timestamp', ['created_at']),
  },
  metaColumn: 'meta_data',
};

export const BALANCES_TABLE: TableSpec = {
  table: 'balances',
  fields: {
    ...fieldsOf('text', ['balance_id', 'ledger_id', 'identity_id', 'indicator', 'currency']),
    ...fieldsOf('numeric', [
      'balance',
      'credit_balance',
      'debit_balance',
      'inflight_balance',
      'inflight_credit_balance',
      'inflight_debit_balance',
    ]),
    ...fieldsOf('timestamp', ['created_at']),
  },
  metaColumn: 'meta_data',
};

export const TRANSACTIONS_TABLE: TableSpec = {
  table: 'transactions',
  fields: {
    ...fieldsOf('text', [
      'transaction_id',
      'parent_transaction',
      'currency',
      'source',
      'destination',
      'reference',
      'status',
      'description',
    ]),
    ...fieldsOf('numeric', ['amount', 'precision']),
    ...fieldsOf('timestamp', ['created_at', 'effective_date']),
  },
  metaColumn: 'meta_data',
  virtual: { balance_id: EITHER_LEG, indicator: LEG_INDICATOR },
};
