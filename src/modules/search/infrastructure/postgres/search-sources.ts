import { COLLECTIONS, CollectionName, FieldKind } from '../../domain/collections';

/**
 * How a document field is computed from a row. `text` and `numtext` (a NUMERIC shown as a string)
 * are string fields; `time` is a timestamptz shown as unix seconds, `date` a date shown as the
 * unix seconds of its midnight UTC; `float` and `int` are numbers; `json` is `meta_data`.
 */
export type ColumnKind = 'text' | 'numtext' | 'time' | 'date' | 'float' | 'int' | 'json';

export interface Column {
  column: string;
  kind: ColumnKind;
}

export interface Source {
  table: string;
  /** The column holding the entity id (the document id). */
  entityId: string;
  columns: Record<string, Column>;
}

const DEFAULT_KIND: Record<FieldKind, ColumnKind> = {
  string: 'text',
  int64: 'time',
  float: 'float',
  bool: 'text',
  object: 'json',
};

/** One column per document field, of the same name; `kinds` names the exceptions. */
function source(
  collection: CollectionName,
  table: string,
  kinds: Record<string, ColumnKind> = {},
): Source {
  const def = COLLECTIONS[collection];
  const columns = Object.fromEntries(
    Object.entries(def.fields).map(([f, spec]) => [
      f,
      { column: f, kind: kinds[f] ?? DEFAULT_KIND[spec.kind] },
    ]),
  );
  return { table, entityId: def.idField, columns };
}

const NUMTEXT = 'numtext' as const;

/**
 * The tables behind the collections. Only names written here reach SQL. Identity columns hold
 * a token once a field is tokenized, so a search sees what the API shows, never the plaintext.
 */
export const SOURCES: Partial<Record<CollectionName, Source>> = {
  ledgers: source('ledgers', 'ledgers'),
  balances: source('balances', 'balances', {
    balance: NUMTEXT,
    credit_balance: NUMTEXT,
    debit_balance: NUMTEXT,
    inflight_balance: NUMTEXT,
    inflight_credit_balance: NUMTEXT,
    inflight_debit_balance: NUMTEXT,
    version: 'int',
  }),
  transactions: source('transactions', 'transactions', { precise_amount: NUMTEXT }),
  identities: source('identities', 'identity', { dob: 'date' }),
};

/** The SQL value of a field as a document shows it (alias `t`), for filters, sorts and facets. */
export function valueSql(c: Column): string {
  const col = `t."${c.column}"`;
  switch (c.kind) {
    case 'numtext':
      return `${col}::text`;
    case 'time':
      return `floor(extract(epoch FROM ${col}))::bigint`;
    case 'date':
      return `((${col} - DATE '1970-01-01')::bigint * 86400)`;
    case 'json':
      return `${col}::text`;
    default:
      return col;
  }
}

/** The select list that yields a document's raw values, one column per field. */
export function selectList(s: Source): string {
  const out = Object.entries(s.columns).map(([field, c]) => {
    const v = c.kind === 'float' ? `t."${c.column}"::float8` : valueSql(c);
    return `${v} AS "${field}"`;
  });
  return out.join(', ');
}
