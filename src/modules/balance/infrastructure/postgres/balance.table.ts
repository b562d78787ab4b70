import { fieldsOf, TableSpec } from '@libs/persistence/filter/table-spec';

/** What `GET /balances` and `POST /balances/filter` may filter and sort on (reference §3.4). */
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
