import { fieldsOf, TableSpec } from '@libs/persistence/filter/table-spec';

/** What `GET /accounts` and `POST /accounts/filter` may filter and sort on (reference §3.4). */
export const ACCOUNTS_TABLE: TableSpec = {
  table: 'accounts',
  fields: {
    ...fieldsOf('text', [
      'account_id',
      'name',
      'number',
      'bank_name',
      'currency',
      'ledger_id',
      'identity_id',
      'balance_id',
    ]),
    ...fieldsOf('timestamp', ['created_at']),
  },
  metaColumn: 'meta_data',
};
