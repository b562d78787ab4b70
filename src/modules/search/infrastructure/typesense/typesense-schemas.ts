import { COLLECTIONS, CollectionName, FieldKind } from '../../domain/collections';

const TYPE: Record<FieldKind, string> = {
  string: 'string',
  int64: 'int64',
  float: 'float',
  bool: 'bool',
  object: 'object',
};

/** The Typesense schema of a collection (reference §12), from the one field definition. */
export function typesenseSchema(name: CollectionName) {
  const def = COLLECTIONS[name];
  return {
    name,
    enable_nested_fields: true,
    default_sorting_field: def.defaultSort,
    fields: Object.entries(def.fields).map(([field, f]) => ({
      name: field,
      type: TYPE[f.kind],
      optional: !!f.optional,
      facet: f.kind === 'string',
    })),
  };
}
