import { fieldsOf, quoteIdent, TableSpec, VirtualField } from '@libs/persistence/filter/table-spec';

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

/** What `GET /transactions` and `POST /transactions/filter` may filter and sort on (reference §3.4). */
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
