import { CollectionDef, FieldKind } from './collections';
import { FilterNode, parseFilterBy, quote, resolveField } from './filter-by';
import { queryInvalid } from './search.errors';

export interface SortKey {
  /** A numeric document field, or `_text_match`. */
  field: string;
  kind: FieldKind | 'text_match';
  desc: boolean;
}

/** A search request in the subset of Typesense's language that both adapters answer alike. */
export interface SearchRequest {
  collection: CollectionDef;
  /** Lower-cased query tokens; empty = match all (`*`). */
  tokens: string[];
  q: string;
  queryBy: string[];
  filter?: FilterNode;
  filterBy?: string;
  sortBy: SortKey[];
  page: number;
  perPage: number;
  facetBy: string[];
  maxFacetValues: number;
  includeFields?: string[];
  excludeFields: string[];
  /** The last token also matches as a prefix (Typesense's `prefix`, default true). */
  prefix: boolean;
  numTypos: number;
}

/** Parameters accepted; anything else is refused by name rather than silently ignored. */
export const SEARCH_PARAMETERS: ReadonlySet<string> = new Set([
  'q',
  'query_by',
  'filter_by',
  'sort_by',
  'page',
  'per_page',
  'facet_by',
  'max_facet_values',
  'include_fields',
  'exclude_fields',
  'prefix',
  'num_typos',
]);
const MAX_Q = 500;
const MAX_TOKENS = 10;
const MAX_PER_PAGE = 250;
const MAX_PAGE = 10_000;

/** A word as both adapters index it: lower case, without ASCII punctuation (Typesense drops symbols). */
export function normalizeWord(w: string): string {
  return w.toLowerCase().replace(/[!-/:-@[-`{-~]+/g, '');
}

/** The words of a text: split on white space, each normalized, empty ones dropped. */
export function wordsOf(text: string): string[] {
  return text
    .split(/\s+/)
    .map(normalizeWord)
    .filter((w) => w.length > 0);
}

function list(body: Record<string, unknown>, name: string, max: number): string[] | undefined {
  const v = body[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw queryInvalid(name, 'must be a comma-separated string');
  const items = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length > max) throw queryInvalid(name, `at most ${max} entries`);
  return items;
}

function integer(
  body: Record<string, unknown>,
  name: string,
  dflt: number,
  min: number,
  max: number,
) {
  const v = body[name];
  if (v === undefined || v === null) return dflt;
  const n = typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw queryInvalid(name, `must be an integer from ${min} to ${max}`);
  }
  return n;
}

function bool(body: Record<string, unknown>, name: string, dflt: boolean): boolean {
  const v = body[name];
  if (v === undefined || v === null) return dflt;
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw queryInvalid(name, 'must be true or false');
}

function sortKeys(def: CollectionDef, text: string[] | undefined, hasText: boolean): SortKey[] {
  if (!text) {
    const dflt: SortKey = { field: def.defaultSort, kind: 'int64', desc: true };
    return hasText ? [{ field: '_text_match', kind: 'text_match', desc: true }, dflt] : [dflt];
  }
  if (text.length > 3) throw queryInvalid('sort_by', 'at most 3 sort fields');
  return text.map((item) => {
    const m = /^([A-Za-z_][A-Za-z0-9_.]*)(?::(asc|desc))?$/i.exec(item);
    if (!m) throw queryInvalid('sort_by', `expected field:asc or field:desc, got ${quote(item)}`);
    const desc = (m[2] ?? 'desc').toLowerCase() === 'desc';
    if (m[1] === '_text_match') return { field: m[1], kind: 'text_match', desc };
    const ref = resolveField(def, m[1], 'sort_by');
    if (ref.kind !== 'int64' && ref.kind !== 'float') {
      throw queryInvalid('sort_by', `field ${m[1]} is not numeric and cannot be sorted on`);
    }
    return { field: m[1], kind: ref.kind, desc };
  });
}

function stringFields(def: CollectionDef, names: string[] | undefined, param: string): string[] {
  return (names ?? []).map((n) => {
    const ref = resolveField(def, n, param);
    if (ref.kind !== 'string') throw queryInvalid(param, `field ${n} is not a string field`);
    return n;
  });
}

/**
 * Checks a Typesense search body against `def`. Every parameter is validated here, before an
 * adapter sees it, so both adapters refuse the same requests with the same message.
 * @throws DomainError SRCH_QUERY_INVALID naming the parameter.
 */
export function parseSearchRequest(def: CollectionDef, body: unknown): SearchRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw queryInvalid('body', 'must be a JSON object of search parameters');
  }
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) {
    if (!SEARCH_PARAMETERS.has(k)) throw queryInvalid(k, 'parameter is not supported');
  }
  const qRaw = b.q ?? '*';
  if (typeof qRaw !== 'string') throw queryInvalid('q', 'must be a string');
  if (qRaw.length > MAX_Q) throw queryInvalid('q', `longer than ${MAX_Q} characters`);
  const tokens = qRaw.trim() === '*' ? [] : wordsOf(qRaw);
  if (tokens.length > MAX_TOKENS) throw queryInvalid('q', `at most ${MAX_TOKENS} words`);
  const queryBy = stringFields(def, list(b, 'query_by', 10), 'query_by');
  if (tokens.length && !queryBy.length) {
    throw queryInvalid('query_by', 'is required when q is not *');
  }
  const facetBy = stringFields(def, list(b, 'facet_by', 10), 'facet_by');
  const fieldList = (name: string) =>
    list(b, name, 50)?.map((n) => {
      if (n !== 'id' && !n.startsWith('meta_data.')) resolveField(def, n, name);
      return n;
    });
  return {
    collection: def,
    tokens,
    q: qRaw,
    queryBy,
    filter: parseFilterBy(b.filter_by, def),
    filterBy: typeof b.filter_by === 'string' ? b.filter_by : undefined,
    sortBy: sortKeys(def, list(b, 'sort_by', 3), tokens.length > 0),
    page: integer(b, 'page', 1, 1, MAX_PAGE),
    perPage: integer(b, 'per_page', 10, 0, MAX_PER_PAGE),
    facetBy,
    maxFacetValues: integer(b, 'max_facet_values', 10, 1, 100),
    includeFields: fieldList('include_fields'),
    excludeFields: fieldList('exclude_fields') ?? [],
    prefix: bool(b, 'prefix', true),
    numTypos: integer(b, 'num_typos', 2, 0, 2),
  };
}
