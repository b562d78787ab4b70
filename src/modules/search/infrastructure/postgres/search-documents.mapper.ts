import { parseJson } from '@libs/core/json';
import { COLLECTIONS, CollectionName, SearchDocument } from '../../domain/collections';
import type { Source } from './search-sources';

/**
 * A row of `selectList` as a §12 document: times as unix-second numbers, big integers as
 * strings, booleans as booleans, `meta_data` parsed losslessly; optional fields without a value are left out.
 */
export function toDocument(
  collection: CollectionName,
  source: Source,
  row: Record<string, unknown>,
): SearchDocument {
  const def = COLLECTIONS[collection];
  const doc: Record<string, unknown> = { id: String(row[def.idField]) };
  for (const [field, c] of Object.entries(source.columns)) {
    const v = row[field];
    if (v === null || v === undefined) {
      if (!def.fields[field]?.optional) doc[field] = c.kind === 'text' ? '' : v;
      continue;
    }
    if (c.kind === 'json') doc[field] = parseJson(String(v));
    else if (c.kind === 'time' || c.kind === 'date' || c.kind === 'int') doc[field] = Number(v);
    else if (c.kind === 'float') doc[field] = Number(v);
    else if (c.kind === 'bool') doc[field] = v === true || v === 't' || v === 'true';
    else doc[field] = String(v);
  }
  return doc as SearchDocument;
}
