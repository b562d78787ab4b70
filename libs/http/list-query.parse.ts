import { DomainError, fieldErrorMessage } from '@libs/core/domain-error';
import { FieldFilter, FilterOperator, ListQuery, MAX_LIST_LIMIT } from '@libs/core/list-query';

/**
 * The HTTP side of list requests (reference §3.1, §3.2): query strings and filter bodies become a
 * `ListQuery`. Only shape is checked here; fields, values and limits of the filters themselves are
 * checked by the SQL compiler, which knows each table's columns and types.
 */

export type QueryParams = Record<string, string | string[] | undefined>;

export interface QueryListOptions {
  defaultLimit: number;
  /** 'error': a non-integer or < 1 limit (or offset < 0) is a 400; 'default': silently replaced. */
  invalidLimit: 'error' | 'default';
  /** Largest limit honoured (never above MAX_LIST_LIMIT); absent = MAX_LIST_LIMIT. */
  maxLimit?: number;
  /**
   * The limit used when a request asks for more than `maxLimit`. Reference §3.5 has two
   * behaviours: GET /ledgers replaces an over-large limit with 20 (pass 20 here), while the
   * filter paths of GET /balances and /transactions cap it at 1000 (leave this out: clamp).
   */
  overMaxLimit?: number;
}

export interface FilterParamError {
  Param: string;
  Message: string;
}

const MAX_QUERY_FILTERS = 20;
const MAX_IN_VALUES = 100;
const MAX_VALUE_LENGTH = 1000;
const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^-?(?:\d+\.\d+|\d+(?:\.\d+)?[eE][-+]?\d+)$/;

const OPERATOR_ALIASES: Record<string, FilterOperator> = {
  eq: 'eq',
  ne: 'ne',
  neq: 'ne',
  gt: 'gt',
  gte: 'gte',
  gteq: 'gte',
  lt: 'lt',
  lte: 'lte',
  lteq: 'lte',
  in: 'in',
  between: 'between',
  like: 'like',
  ilike: 'ilike',
  isnull: 'isnull',
  isnotnull: 'isnotnull',
};

const RESERVED_PARAMS = new Set([
  'page',
  'pagesize',
  'per_page',
  'limit',
  'offset',
  'sort',
  'order',
  'order_by',
  'order_dir',
  'logical_operator',
  'instance_id',
  'org_id',
]);

const BODY_KEYS = new Set([
  'filters',
  'logical_operator',
  'limit',
  'offset',
  'sort_by',
  'sort_order',
  'include_count',
]);
const FILTER_KEYS = new Set(['field', 'operator', 'value', 'values']);

/** `neq`, `GTE`, ... to the canonical operator; undefined when the word is not an operator. */
export function resolveOperator(word: string): FilterOperator | undefined {
  const key = word.toLowerCase();
  return Object.hasOwn(OPERATOR_ALIASES, key) ? OPERATOR_ALIASES[key] : undefined;
}

function first(raw: string | string[] | undefined): string | undefined {
  return Array.isArray(raw) ? raw[0] : raw;
}

/** `<field>_<op>` split at the last underscore, or undefined when the param is not a filter. */
function filterParam(key: string): { field: string; operator: FilterOperator } | undefined {
  if (RESERVED_PARAMS.has(key.toLowerCase())) return undefined;
  const cut = key.lastIndexOf('_');
  if (cut < 0) return undefined;
  const operator = resolveOperator(key.slice(cut + 1));
  return operator && { field: key.slice(0, cut), operator };
}

/**
 * Query-string typing. A number is typed only when it reads back exactly as written, so `007`,
 * `1.50` or a phone number stay strings and still match a text column or a string in metadata
 * (Blnk would turn `007` into 7). Dates stay strings: the compiler parses them per column type.
 */
export function typeQueryValue(raw: string): string | number | bigint | boolean {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (/^-?\d+$/.test(raw)) {
    const big = BigInt(raw);
    if (big.toString() !== raw) return raw;
    return Number.isSafeInteger(Number(raw)) ? Number(raw) : big;
  }
  if (FLOAT_RE.test(raw) && String(Number(raw)) === raw) return Number(raw);
  return raw;
}

export function hasFilterParams(query: QueryParams): boolean {
  return Object.entries(query).some(([k, v]) => first(v) !== undefined && !!filterParam(k));
}

function validation(message: string, details?: unknown): DomainError {
  return new DomainError('GEN_VALIDATION_ERROR', message, details, 'errors');
}

function pageNumber(
  raw: string | undefined,
  fallback: number,
  min: number,
  mode: QueryListOptions['invalidLimit'],
  message: string,
): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = INT_RE.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (Number.isSafeInteger(n) && n >= min) return n;
  if (mode === 'error') throw validation(message);
  return fallback;
}

/** GET list endpoints (reference §3.1): `<field>_<op>` params, limit and offset. No sorting. */
export function parseQueryFilters(query: QueryParams, opts: QueryListOptions): ListQuery {
  let limit = pageNumber(
    first(query.limit),
    opts.defaultLimit,
    1,
    opts.invalidLimit,
    'Invalid limit value',
  );
  if (opts.maxLimit !== undefined && limit > opts.maxLimit) {
    limit = opts.overMaxLimit ?? opts.maxLimit;
  }
  // Lists the reference leaves unbounded (plain /transactions and /balances, /identities without
  // filters: "every row") return at most MAX_LIST_LIMIT rows; page with offset for more.
  limit = Math.min(limit, MAX_LIST_LIMIT);
  const offset = pageNumber(first(query.offset), 0, 0, opts.invalidLimit, 'Invalid offset value');

  const errors: FilterParamError[] = [];
  let logicalOperator: ListQuery['logicalOperator'] = 'and';
  const logical = first(query.logical_operator)?.trim().toLowerCase();
  if (logical === 'and' || logical === 'or') logicalOperator = logical;
  else if (logical) {
    errors.push({
      Param: 'logical_operator',
      Message: `invalid logical_operator: must be 'and' or 'or'`,
    });
  }

  const filters: FieldFilter[] = [];
  for (const [key, raw] of Object.entries(query)) {
    const value = first(raw);
    const param = value === undefined ? undefined : filterParam(key);
    if (value === undefined || !param) continue;
    if (filters.length >= MAX_QUERY_FILTERS) {
      const Message = `exceeded maximum number of filters (${MAX_QUERY_FILTERS})`;
      errors.push({ Param: key, Message });
      continue;
    }
    if (value.length > MAX_VALUE_LENGTH) {
      errors.push({
        Param: key,
        Message: `value exceeds maximum length (${MAX_VALUE_LENGTH} chars)`,
      });
      continue;
    }
    const filter: FieldFilter = { field: param.field, operator: param.operator };
    if (param.operator === 'between') {
      const parts = value.split('|');
      if (parts.length !== 2) {
        const Message = 'between operator requires exactly 2 pipe-separated values (value1|value2)';
        errors.push({ Param: key, Message });
        continue;
      }
      filter.values = parts.map((p) => typeQueryValue(p.trim()));
    } else if (param.operator === 'in') {
      const parts = value.split(',');
      if (parts.length > MAX_IN_VALUES) {
        errors.push({
          Param: key,
          Message: `IN operator exceeds maximum values (${MAX_IN_VALUES})`,
        });
        continue;
      }
      filter.values = parts.map((p) => typeQueryValue(p.trim()));
    } else if (param.operator !== 'isnull' && param.operator !== 'isnotnull') {
      filter.value = typeQueryValue(value);
    }
    filters.push(filter);
  }
  if (errors.length) throw validation('invalid filter parameters', errors);
  return { filters, logicalOperator, limit, offset, sortOrder: 'desc', includeCount: false };
}

/**
 * The query of GET /identities and GET /accounts (reference §3.5): without filters every row (a
 * limit given is honoured); with filters 20 by default and at most 100, a bad limit silently
 * becoming 20.
 */
export function parseAllOrFilteredQuery(query: QueryParams): ListQuery {
  const filtered = hasFilterParams(query);
  return parseQueryFilters(query, {
    defaultLimit: filtered ? 20 : Number.MAX_SAFE_INTEGER,
    invalidLimit: 'default',
    maxLimit: filtered ? 100 : undefined,
    overMaxLimit: 20,
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownKey(v: Record<string, unknown>, allowed: Set<string>): string | undefined {
  return Object.keys(v).find((k) => !allowed.has(k));
}

function bodyFilter(item: unknown, i: number): FieldFilter {
  const at = `filters[${i}]`;
  if (!isObject(item)) throw validation(fieldErrorMessage({ [at]: 'must be an object' }));
  const extra = unknownKey(item, FILTER_KEYS);
  if (extra) throw validation(fieldErrorMessage({ [`${at}.${extra}`]: 'unknown field' }));
  const { field, operator, value, values } = item;
  if (typeof field !== 'string' || field.trim() === '') {
    throw validation(fieldErrorMessage({ [`${at}.field`]: 'is required' }));
  }
  if (typeof operator !== 'string' || operator.trim() === '') {
    throw validation(fieldErrorMessage({ [`${at}.operator`]: 'is required' }));
  }
  if (values !== undefined && values !== null && !Array.isArray(values)) {
    throw validation(fieldErrorMessage({ [`${at}.values`]: 'must be an array' }));
  }
  const op = resolveOperator(operator.trim());
  // Reference §3.2: an unknown operator is a bad filter (GEN_BAD_REQUEST), not a binding error.
  if (!op) {
    const what = `unknown operator ${JSON.stringify(operator.slice(0, 64))} for field`;
    throw new DomainError('GEN_BAD_REQUEST', `Invalid filter: ${what} ${JSON.stringify(field)}`);
  }
  const filter: FieldFilter = { field, operator: op };
  if (value !== undefined) filter.value = value;
  if (Array.isArray(values)) filter.values = values;
  return filter;
}

function optional<T>(body: Record<string, unknown>, key: string, type: string): T | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== type) throw validation(fieldErrorMessage({ [key]: `must be a ${type}` }));
  return v as T;
}

/**
 * Out-of-range numbers fall back silently as in Blnk; a value of the wrong JSON type cannot bind,
 * so it is a validation error. Big integers arrive as bigint and are simply out of range.
 */
function bodyNumber(
  body: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const v = body[key];
  if (v === undefined || v === null || typeof v === 'bigint') return fallback;
  if (typeof v !== 'number') throw validation(fieldErrorMessage({ [key]: 'must be a number' }));
  return Number.isInteger(v) && v >= min && v <= max ? v : fallback;
}

/** POST /{collection}/filter (reference §3.2). Unknown keys are refused, not ignored. */
export function parseFilterBody(body: unknown): ListQuery {
  if (!isObject(body)) throw validation('request body must be a JSON object');
  const extra = unknownKey(body, BODY_KEYS);
  if (extra) throw validation(fieldErrorMessage({ [extra]: 'unknown field' }));

  const rawFilters = body.filters ?? [];
  if (!Array.isArray(rawFilters)) {
    throw validation(fieldErrorMessage({ filters: 'must be an array' }));
  }
  const filters = rawFilters.map(bodyFilter);

  const logical = optional<string>(body, 'logical_operator', 'string')?.trim().toLowerCase();
  if (logical && logical !== 'and' && logical !== 'or') {
    throw validation(fieldErrorMessage({ logical_operator: `must be 'and' or 'or'` }));
  }
  const sortBy = optional<string>(body, 'sort_by', 'string')?.trim();
  const sortOrder = optional<string>(body, 'sort_order', 'string')?.trim().toLowerCase();
  return {
    filters,
    logicalOperator: logical === 'or' ? 'or' : 'and',
    limit: bodyNumber(body, 'limit', 1, 100, 20),
    offset: bodyNumber(body, 'offset', 0, Number.MAX_SAFE_INTEGER, 0),
    sortBy: sortBy || undefined,
    sortOrder: sortOrder === 'asc' ? 'asc' : 'desc',
    includeCount: optional<boolean>(body, 'include_count', 'boolean') ?? false,
  };
}
