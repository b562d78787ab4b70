import { fieldsOf, TableSpec } from '@libs/persistence/filter/table-spec';

/** What `GET /ledgers` and `POST /ledgers/filter` may filter and sort on (reference §3.4). */
export const LEDGERS_TABLE: TableSpec = {
  table: 'ledgers',
  fields: {
    ...fieldsOf('text', ['ledger_id', 'name']),
    ...fieldsOf('timestamp', ['created_at']),
  },
  metaColumn: 'meta_data',
};
