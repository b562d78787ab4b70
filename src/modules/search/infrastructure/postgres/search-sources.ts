import { COLLECTIONS, CollectionName, FieldKind } from '../../domain/collections';

/**
 * How a document field is computed from a row. `text` and `numtext` (a NUMERIC shown as a string)
 * are string fields; `time` is a timestamptz shown as unix seconds, `date` a date shown as the
 * unix seconds of its midnight UTC; `float` and `int` are numbers; `bool` a boolean; `json` is
 * `meta_data`; `none` a field the table has no column for (always absent from the document).
 */
export type ColumnKind =
  'text' | 'numtext' | 'time' | 'date' | 'float' | 'int' | 'bool' | 'json' | 'none';

export interface Column {
  column: string;
  kind: ColumnKind;
}

/**
 * How a reindex scan walks a table in order (its resume point), which is also the order in which
 * a rebuilt Typesense collection receives its documents, and so its newest-first order when sort
 * keys tie. `bigint`: the internal bigserial `id`. `time_key`: a table keyed by text, walked by
 * creation time and then that key (one index), so a rebuild keeps creation order there too.
 */
export type Position =
  { type: 'bigint'; column: string } | { type: 'time_key'; time: string; key: string };

export interface Source {
  table: string;
  /** The column holding the entity id (the document id). */
  entityId: string;
  position: Position;
  columns: Record<string, Column>;
}

/** The position's columns (alias `t`), in scan order. */
export function positionColumns(s: Source): string[] {
  const p = s.position;
  return (p.type === 'bigint' ? [p.column] : [p.time, p.key]).map((c) => `t."${c}"`);
}

/** ORDER BY when sort keys tie: newest first, as Typesense (insertion order), ending unique. */
export function newestFirst(s: Source): string {
  return positionColumns(s)
    .map((c) => `${c} DESC`)
    .join(', ');
}

const DEFAULT_KIND: Record<FieldKind, ColumnKind> = {
  string: 'text',
  int64: 'time',
  float: 'float',
  bool: 'bool',
  object: 'json',
};

interface SourceOptions {
  /** Fields whose column kind is not their type's default. */
  kinds?: Record<string, ColumnKind>;
  /** Fields whose column has another name. */
  columns?: Record<string, string>;
  /** The position when it is not the bigserial `id`. */
  position?: Position;
}

/** One column per document field, of the same name unless `columns` says otherwise. */
function source(collection: CollectionName, table: string, o: SourceOptions = {}): Source {
  const def = COLLECTIONS[collection];
  const columns = Object.fromEntries(
    Object.entries(def.fields).map(([f, spec]) => [
      f,
      { column: o.columns?.[f] ?? f, kind: o.kinds?.[f] ?? DEFAULT_KIND[spec.kind] },
    ]),
  );
  const position = o.position ?? { type: 'bigint', column: 'id' };
  return { table, entityId: def.idField, position, columns };
}

const NUMTEXT = 'numtext' as const;

/**
 * The tables behind the collections. Only names written here reach SQL. Identity columns hold
 * a token once a field is tokenized, so a search sees what the API shows, never the plaintext.
 * A reconciliation's document is GET /reconciliation/:id's (reference §2.10): its counts and
 * dry-run flag come from columns of other names, and the table has no `meta_data`.
 */
export const SOURCES: Record<CollectionName, Source> = {
  ledgers: source('ledgers', 'ledgers'),
  balances: source('balances', 'balances', {
    kinds: {
      balance: NUMTEXT,
      credit_balance: NUMTEXT,
      debit_balance: NUMTEXT,
      inflight_balance: NUMTEXT,
      inflight_credit_balance: NUMTEXT,
      inflight_debit_balance: NUMTEXT,
      version: 'int',
    },
  }),
  transactions: source('transactions', 'transactions', { kinds: { precise_amount: NUMTEXT } }),
  identities: source('identities', 'identity', { kinds: { dob: 'date' } }),
  reconciliations: source('reconciliations', 'reconciliations', {
    kinds: { matched_transactions: 'int', unmatched_transactions: 'int', meta_data: 'none' },
    columns: {
      matched_transactions: 'matched',
      unmatched_transactions: 'unmatched',
      is_dry_run: 'dry_run',
    },
    position: { type: 'time_key', time: 'started_at', key: 'reconciliation_id' },
  }),
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
    case 'none':
      return `NULL::text`;
    default:
      return col;
  }
}

/** `meta_data` as jsonb, for paths into it (NULL for a table without the column). */
export function metaSql(s: Source): string {
  const c = s.columns.meta_data;
  return c && c.kind === 'json' ? `t."${c.column}"` : 'NULL::jsonb';
}

/** The select list that yields a document's raw values, one column per field. */
export function selectList(s: Source): string {
  const out = Object.entries(s.columns).map(([field, c]) => {
    const v = c.kind === 'float' ? `t."${c.column}"::float8` : valueSql(c);
    return `${v} AS "${field}"`;
  });
  return out.join(', ');
}
