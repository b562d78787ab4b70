/**
 * The search collections of reference §12 and the fields of their documents. One definition
 * serves both adapters: the Typesense schemas are generated from it and the PostgreSQL adapter
 * accepts exactly these names, so a request means the same on both.
 */
export type FieldKind = 'string' | 'int64' | 'float' | 'bool' | 'object';

export interface SearchField {
  kind: FieldKind;
  /** Absent from a document when the row has no value (a null column). */
  optional?: boolean;
}

export interface CollectionDef {
  name: CollectionName;
  /** The document field that carries the entity id (also the document's `id`). */
  idField: string;
  /** Typesense's default sorting field: newest first when no sort_by is given. */
  defaultSort: string;
  fields: Record<string, SearchField>;
}

export const COLLECTION_NAMES = [
  'ledgers',
  'balances',
  'transactions',
  'identities',
  'reconciliations',
] as const;
export type CollectionName = (typeof COLLECTION_NAMES)[number];

const strings = (names: string[], optional = false): Record<string, SearchField> =>
  Object.fromEntries(names.map((n) => [n, { kind: 'string', optional }]));
const times = (names: string[], optional = false): Record<string, SearchField> =>
  Object.fromEntries(names.map((n) => [n, { kind: 'int64', optional }]));
const META: Record<string, SearchField> = { meta_data: { kind: 'object', optional: true } };

export const COLLECTIONS: Record<CollectionName, CollectionDef> = {
  ledgers: {
    name: 'ledgers',
    idField: 'ledger_id',
    defaultSort: 'created_at',
    fields: { ...strings(['ledger_id', 'name']), ...times(['created_at']), ...META },
  },
  balances: {
    name: 'balances',
    idField: 'balance_id',
    defaultSort: 'created_at',
    fields: {
      ...strings(['balance_id', 'ledger_id', 'currency']),
      ...strings(['identity_id', 'indicator'], true),
      // Big integers travel as strings (reference §12): a double would round them.
      ...strings([
        'balance',
        'credit_balance',
        'debit_balance',
        'inflight_balance',
        'inflight_credit_balance',
        'inflight_debit_balance',
      ]),
      version: { kind: 'int64' },
      ...times(['created_at']),
      ...META,
    },
  },
  transactions: {
    name: 'transactions',
    idField: 'transaction_id',
    defaultSort: 'created_at',
    fields: {
      ...strings([
        'transaction_id',
        'parent_transaction',
        'reference',
        'currency',
        'description',
        'status',
        'hash',
        'precise_amount',
      ]),
      ...strings(['source', 'destination'], true),
      amount: { kind: 'float' },
      precision: { kind: 'float' },
      ...times(['created_at']),
      ...times(['effective_date', 'scheduled_for'], true),
      ...META,
    },
  },
  identities: {
    name: 'identities',
    idField: 'identity_id',
    defaultSort: 'created_at',
    fields: {
      ...strings([
        'identity_id',
        'identity_type',
        'first_name',
        'last_name',
        'other_names',
        'gender',
        'email_address',
        'phone_number',
        'nationality',
        'organization_name',
        'category',
        'street',
        'country',
        'state',
        'post_code',
        'city',
      ]),
      ...times(['created_at']),
      ...times(['dob'], true),
      ...META,
    },
  },
  reconciliations: {
    name: 'reconciliations',
    idField: 'reconciliation_id',
    defaultSort: 'started_at',
    // GET /reconciliation/:id's shape (reference §2.10), times as unix seconds: completed_at is
    // absent while the run goes (null in the GET), as other optional times are.
    fields: {
      ...strings(['reconciliation_id', 'upload_id', 'status', 'strategy']),
      matched_transactions: { kind: 'int64' },
      unmatched_transactions: { kind: 'int64' },
      is_dry_run: { kind: 'bool' },
      ...times(['started_at']),
      ...times(['completed_at'], true),
      ...META,
    },
  },
};

export function isCollection(name: string): name is CollectionName {
  return (COLLECTION_NAMES as readonly string[]).includes(name);
}

/** A search document: §12 shapes (unix-second times, big integers as strings). */
export type SearchDocument = Record<string, unknown> & { id: string };
