import type { FieldSpec, TableSpec } from '@libs/persistence/filter/table-spec';
import { IDENTITY_TEXT_FIELDS } from '../../domain/identity';

const text = (c: string): [string, FieldSpec] => [c, { column: c, type: 'text' }];

/** Filterable and sortable identity fields (reference §3.4, table `identity`). */
export const IDENTITY_TABLE: TableSpec = {
  table: 'identity',
  fields: {
    ...Object.fromEntries(['identity_id', ...IDENTITY_TEXT_FIELDS].map(text)),
    dob: { column: 'dob', type: 'date' },
    created_at: { column: 'created_at', type: 'timestamp' },
  },
  metaColumn: 'meta_data',
};
