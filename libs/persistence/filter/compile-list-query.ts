import { DomainError } from '@libs/core/domain-error';
import { stringifyJson } from '@libs/core/json';
import {
  FILTER_OPERATORS,
  FilterOperator,
  FieldFilter,
  ListQuery,
  MAX_LIST_LIMIT,
} from '@libs/core/list-query';
import { FieldType, quoteIdent, SqlBuilder, TableSpec } from './table-spec';

export interface CompiledListQuery {
  /** `''` when there is no filter, else `WHERE ...` with `$n` placeholders only. */
  where: string;
  params: unknown[];
  orderBy: string;
  limit: number;
  offset: number;
}

const MAX_FILTERS = 20;
const MAX_IN_VALUES = 100;
const MAX_VALUE_LENGTH = 1000;
const META_PREFIX = 'meta_data.';
const META_KEY_RE = /^[a-zA-Z][a-zA-Z0-9_]*$/;
// A short exponent keeps PostgreSQL's numeric input from overflowing (an error, hence a 500).
const NUMERIC_RE = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d{1,3})?$/;
// The same shape as a POSIX regex; a metadata value that fails it is never cast to numeric.
const SQL_NUMERIC_RE = `'^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]{1,3})?$'`;
// YYYY-MM-DD or YYYY/MM/DD, then optionally [T ]HH[:MM[:SS[.fraction]]] and a zone.
const DATE_TIME_RE = new RegExp(
  '^(\\d{4})([-/])(\\d{2})\\2(\\d{2})' +
    '(?:[T ](\\d{2})(?::(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?)?(Z|[+-]\\d{2}:?\\d{2})?)?$',
  'i',
);
const PG_TYPE: Record<FieldType, string> = {
  text: 'text',
  numeric: 'numeric',
  timestamp: 'timestamptz',
  date: 'date',
  boolean: 'boolean',
};
const COMPARISON: Partial<Record<FilterOperator, string>> = {
  eq: '=',
  ne: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
};
const US_PER = { ms: 1000n, second: 1_000_000n, minute: 60_000_000n, hour: 3_600_000_000n };

function bad(what: string): DomainError {
  return new DomainError('GEN_BAD_REQUEST', `Invalid filter: ${what}`);
}

/** Echo client input in messages without letting a huge value bloat the response. */
function show(v: unknown): string {
  const s = typeof v === 'string' ? v : typeof v === 'bigint' ? v.toString() : String(v);
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}...` : s);
}

interface Instant {
  /** Microseconds since the epoch, UTC. */
  us: bigint;
  /** The unit the literal was written to; `eq` matches the whole unit. */
  unit: bigint;
  date: string;
}

/**
 * Dates are parsed here rather than with `Date` because a literal without a zone must mean UTC
 * (as in Blnk) and because its precision, down to microseconds, decides the `eq` range.
 */
function parseInstant(text: string): Instant | undefined {
  const m = DATE_TIME_RE.exec(text.trim());
  if (!m) return undefined;
  const [, y, , mo, d, h, mi, s, frac, zone] = m;
  const hms = [h, mi, s].map((x) => Number(x ?? 0));
  if (Number(y) < 1 || hms[0] > 23 || hms[1] > 59 || hms[2] > 59) return undefined;
  const day = new Date(0);
  day.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  if (day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d)) return undefined;
  day.setUTCHours(hms[0], hms[1], hms[2], 0);
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const [oh, om] = [Number(zone.slice(1, 3)), Number(zone.slice(-2))];
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  let unit = 86_400_000_000n;
  if (frac) unit = frac.length >= 6 ? 1n : US_PER.ms;
  else if (s) unit = US_PER.second;
  else if (mi) unit = US_PER.minute;
  else if (h) unit = US_PER.hour;
  // Truncating to the unit in the literal's own zone; offsets are whole minutes, so no drift.
  const micros = BigInt((frac ?? '').padEnd(6, '0').slice(0, 6));
  const local = BigInt(day.getTime()) * 1000n + (micros / unit) * unit;
  return { us: local - BigInt(offsetMinutes) * US_PER.minute, unit, date: `${y}-${mo}-${d}` };
}

function isoFromMicros(us: bigint): string {
  let ms = us / 1000n;
  let rest = us % 1000n;
  if (rest < 0n) [ms, rest] = [ms - 1n, rest + 1000n];
  const iso = new Date(Number(ms)).toISOString();
  if (!/^(?!0000)\d{4}-/.test(iso)) throw bad('date/time out of range');
  return `${iso.slice(0, -1)}${rest.toString().padStart(3, '0')}Z`;
}

/** The value as bound for a column of `type`; anything PostgreSQL could choke on is refused. */
function coerce(type: FieldType, v: unknown, field: string): string {
  const scalar = typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint';
  if (typeof v === 'number' && !Number.isFinite(v)) throw bad(`${field}: ${show(v)} is not finite`);
  switch (type) {
    case 'text':
      if (scalar || typeof v === 'boolean') return String(v);
      throw bad(`${field} expects a text value`);
    case 'numeric': {
      const s = typeof v === 'string' ? v.trim() : String(v);
      if (scalar && NUMERIC_RE.test(s)) return s;
      throw bad(`${field} expects a number, got ${show(v)}`);
    }
    case 'boolean':
      if (v === true || v === false || v === 'true' || v === 'false') return String(v);
      throw bad(`${field} expects true or false, got ${show(v)}`);
    case 'timestamp':
    case 'date': {
      const t = typeof v === 'string' ? parseInstant(v) : undefined;
      if (!t) throw bad(`${field} expects a date/time, got ${show(v)}`);
      return type === 'date' ? t.date : isoFromMicros(t.us);
    }
  }
}

/** Text of a metadata value as `->>` renders it, so `ne`/`in`/`like` compare like with like. */
function metaText(v: unknown, field: string): string {
  if (v === null || v === undefined || typeof v === 'object') {
    throw bad(`${field} expects a scalar value`);
  }
  return coerce('text', v, field);
}

type Bind = (value: unknown) => string;

/**
 * A LIKE pattern as PostgreSQL reads it (reference §3.3: passed through, `%` and `_` are the
 * caller's): `\` escapes the next character, so a pattern ending in a lone backslash is invalid
 * SQL, refused here rather than by the database.
 */
function likePattern(text: string, field: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === '\\') end--;
  if ((text.length - end) % 2 === 1) {
    throw bad(
      `like pattern for ${field} must not end with an unescaped backslash (\\\\ matches one)`,
    );
  }
  return text;
}

function columnCondition(
  expr: string,
  type: FieldType,
  op: FilterOperator,
  values: readonly unknown[],
  bind: Bind,
  field: string,
): string {
  const cast = `::${PG_TYPE[type]}`;
  const one = (v: unknown) => `${bind(coerce(type, v, field))}${cast}`;
  switch (op) {
    case 'isnull':
      return `${expr} IS NULL`;
    case 'isnotnull':
      return `${expr} IS NOT NULL`;
    case 'like':
    case 'ilike': {
      const text = type === 'text' ? expr : `${expr}::text`;
      const pattern = likePattern(coerce('text', values[0], field) as string, field);
      return `${text} ${op.toUpperCase()} ${bind(pattern)}::text`;
    }
    case 'in':
      return `${expr} = ANY(${bind(values.map((v) => coerce(type, v, field)))}${cast}[])`;
    case 'between':
      return `${expr} BETWEEN ${one(values[0])} AND ${one(values[1])}`;
    case 'eq': {
      const t = type === 'timestamp' && typeof values[0] === 'string' && parseInstant(values[0]);
      if (t) {
        const [from, to] = [isoFromMicros(t.us), isoFromMicros(t.us + t.unit)];
        return `${expr} >= ${bind(from)}${cast} AND ${expr} < ${bind(to)}${cast}`;
      }
      return `${expr} = ${one(values[0])}`;
    }
    default:
      return `${expr} ${COMPARISON[op]} ${one(values[0])}`;
  }
}

function metaCondition(
  column: string,
  key: string,
  op: FilterOperator,
  values: readonly unknown[],
  bind: Bind,
  field: string,
): string {
  // The key passed META_KEY_RE, so it is inlined: expression indexes on ->>'key' then apply.
  const text = `${column}->>'${key}'`;
  const numeric = `(CASE WHEN ${text} ~ ${SQL_NUMERIC_RE} THEN (${text})::numeric END)`;
  const num = (v: unknown) => `${bind(coerce('numeric', v, field))}::numeric`;
  switch (op) {
    case 'eq': {
      const v = values[0];
      if (v !== null && typeof v === 'object') throw bad(`${field} expects a scalar value`);
      if (typeof v === 'number' && !Number.isFinite(v)) throw bad(`${field}: not a finite number`);
      // Containment is type-sensitive ({"k": 42} does not match "42") and can use a GIN index.
      return `${column} @> ${bind(stringifyJson({ [key]: v }))}::jsonb`;
    }
    case 'ne':
      return `${text} <> ${bind(metaText(values[0], field))}::text`;
    case 'like':
    case 'ilike':
      return `${text} ${op.toUpperCase()} ${bind(likePattern(metaText(values[0], field), field))}::text`;
    case 'in':
      return `${text} = ANY(${bind(values.map((v) => metaText(v, field)))}::text[])`;
    case 'between':
      return `${numeric} BETWEEN ${num(values[0])} AND ${num(values[1])}`;
    case 'isnull':
      return `${text} IS NULL`;
    case 'isnotnull':
      return `${text} IS NOT NULL`;
    default:
      return `${numeric} ${COMPARISON[op]} ${num(values[0])}`;
  }
}

/** Operands per operator, with the arity and size limits of reference §3.1-§3.3 enforced. */
function operandsOf(f: FieldFilter, field: string): unknown[] {
  let values: unknown[];
  if (f.operator === 'isnull' || f.operator === 'isnotnull') return [];
  if (f.operator === 'in' || f.operator === 'between') {
    if (!Array.isArray(f.values)) throw bad(`operator ${f.operator} on ${field} requires values`);
    values = f.values;
    if (f.operator === 'between' && values.length !== 2) {
      throw bad(`operator between on ${field} requires exactly 2 values`);
    }
    if (values.length === 0) throw bad(`operator in on ${field} requires at least one value`);
    if (values.length > MAX_IN_VALUES) {
      throw bad(`operator in on ${field} allows at most ${MAX_IN_VALUES} values`);
    }
  } else {
    if (f.value === undefined) throw bad(`operator ${f.operator} on ${field} requires a value`);
    values = [f.value];
  }
  for (const v of values) {
    if (typeof v === 'string' && v.length > MAX_VALUE_LENGTH) {
      throw bad(`value for ${field} exceeds ${MAX_VALUE_LENGTH} characters`);
    }
  }
  return values;
}

function compileFilter(spec: TableSpec, f: FieldFilter, bind: Bind): string {
  if (typeof f?.field !== 'string') throw bad('field must be a string');
  const field = show(f.field);
  if (!(FILTER_OPERATORS as readonly unknown[]).includes(f.operator)) {
    throw bad(`unknown operator ${show(f.operator)} for field ${field}`);
  }
  const op = f.operator;
  const qualify = (column: string) =>
    `${quoteIdent(spec.alias ?? spec.table)}.${quoteIdent(column)}`;
  const column = Object.hasOwn(spec.fields, f.field) ? spec.fields[f.field] : undefined;
  if (column) {
    return columnCondition(
      qualify(column.column),
      column.type,
      op,
      operandsOf(f, field),
      bind,
      field,
    );
  }
  const virtual = spec.virtual && Object.hasOwn(spec.virtual, f.field) && spec.virtual[f.field];
  if (virtual) {
    if (virtual.operators && !virtual.operators.includes(op)) {
      throw bad(`operator ${op} is not supported for field ${field}`);
    }
    const sql: SqlBuilder = {
      column: qualify,
      condition: (expr, type, o, values) => columnCondition(expr, type, o, values, bind, field),
    };
    return virtual.compile(op, operandsOf(f, field), sql);
  }
  if (spec.metaColumn && f.field.startsWith(META_PREFIX)) {
    const key = f.field.slice(META_PREFIX.length);
    if (!META_KEY_RE.test(key)) {
      throw bad(`invalid metadata key in ${field}: must match ^[a-zA-Z][a-zA-Z0-9_]*$`);
    }
    return metaCondition(qualify(spec.metaColumn), key, op, operandsOf(f, field), bind, field);
  }
  throw bad(`unknown field ${field} for ${spec.table}`);
}

function orderByOf(spec: TableSpec, q: ListQuery): string {
  const wanted = typeof q.sortBy === 'string' ? q.sortBy.trim().toLowerCase() : '';
  // An unsortable sort_by falls back to created_at (reference §3.2) rather than failing.
  const name = Object.hasOwn(spec.fields, wanted) ? wanted : 'created_at';
  const column = spec.fields[name]?.column ?? spec.idColumn ?? 'id';
  const dir = q.sortOrder === 'asc' ? 'ASC' : 'DESC';
  const table = quoteIdent(spec.alias ?? spec.table);
  const id = quoteIdent(spec.idColumn ?? 'id');
  // Same direction on the tie-breaker so the (created_at, id) indexes serve both orders.
  return `${table}.${quoteIdent(column)} ${dir}, ${table}.${id} ${dir}`;
}

/**
 * Turns a parsed list request into SQL fragments for `spec`'s table. Only names from the spec
 * reach the SQL text; every client value is a bound `$n` starting at `firstParam`. Anything a
 * client could get wrong raises `GEN_BAD_REQUEST` here, before PostgreSQL sees it.
 */
export function compileListQuery(spec: TableSpec, q: ListQuery, firstParam = 1): CompiledListQuery {
  if (!Array.isArray(q.filters)) throw bad('filters must be a list');
  if (q.filters.length > MAX_FILTERS) throw bad(`at most ${MAX_FILTERS} filters are allowed`);
  if (q.logicalOperator !== 'and' && q.logicalOperator !== 'or') {
    throw bad(`logical operator must be 'and' or 'or'`);
  }
  // limit/offset are interpolated by callers, so they must be plain integers whatever the source.
  if (!Number.isSafeInteger(q.limit) || q.limit < 0) throw bad('limit must be an integer >= 0');
  if (!Number.isSafeInteger(q.offset) || q.offset < 0) throw bad('offset must be an integer >= 0');
  if (!Number.isSafeInteger(firstParam) || firstParam < 1)
    throw new Error('firstParam must be >= 1');

  const params: unknown[] = [];
  const bind: Bind = (value) => {
    params.push(value);
    return `$${firstParam + params.length - 1}`;
  };
  const conditions = q.filters.map((f) => `(${compileFilter(spec, f, bind)})`);
  const where = conditions.length
    ? `WHERE ${conditions.join(q.logicalOperator === 'or' ? ' OR ' : ' AND ')}`
    : '';
  // The last word on the page size, whichever way the query was built.
  const limit = Math.min(q.limit, MAX_LIST_LIMIT);
  return { where, params, orderBy: orderByOf(spec, q), limit, offset: q.offset };
}
