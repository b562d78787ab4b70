import { CollectionDef, FieldKind } from './collections';
import { queryInvalid } from './search.errors';

/** A field a filter names: a document field of the collection, or a path into `meta_data`. */
export interface FieldRef {
  name: string;
  kind: FieldKind | 'meta';
  /** For `meta_data.a.b`: `['a', 'b']`. */
  path?: string[];
}

export type Comparison = '=' | '!=' | '>' | '<' | '>=' | '<=';

/** One element of a filter's value: a value, or an inclusive range `[a..b]`. */
export type FilterItem = { value: string } | { from: string; to: string };

export type FilterNode =
  | { kind: 'and' | 'or'; nodes: FilterNode[] }
  | { kind: 'cmp'; field: FieldRef; op: Comparison; value: string }
  /** `field:[items]` (any matches) or `field:!=[items]` (none matches). */
  | { kind: 'list'; field: FieldRef; negated: boolean; items: FilterItem[] };

const MAX_LENGTH = 4000;
const MAX_DEPTH = 10;
const MAX_COMPARISONS = 50;
const MAX_LIST = 100;
const MAX_VALUE = 500;
const META_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_.]*/;
const INT64 = /^-?\d{1,19}$/;
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d{1,3})?$/;
const MAX_INT64 = 2n ** 63n - 1n;

const bad = (why: string) => queryInvalid('filter_by', why);

/** Shows client text in a message without letting a huge value bloat it. */
export function quote(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}...` : s);
}

export function resolveField(def: CollectionDef, name: string, param: string): FieldRef {
  if (name.startsWith('meta_data.')) {
    const path = name.slice('meta_data.'.length).split('.');
    if (path.length > 3 || !path.every((k) => META_KEY.test(k))) {
      throw queryInvalid(param, `invalid meta_data path ${quote(name)}`);
    }
    return { name, kind: 'meta', path };
  }
  const f = Object.hasOwn(def.fields, name) ? def.fields[name] : undefined;
  if (!f) throw queryInvalid(param, `unknown field ${quote(name)} in collection ${def.name}`);
  return { name, kind: f.kind };
}

/** A value checked against the field's type, so an adapter never sees one it cannot bind. */
function checkValue(field: FieldRef, value: string, numeric: boolean): string {
  if (value.length > MAX_VALUE)
    throw bad(`value for ${field.name} exceeds ${MAX_VALUE} characters`);
  const kind = field.kind;
  if (kind === 'int64') {
    if (!INT64.test(value) || BigInt(value) > MAX_INT64 || BigInt(value) < -MAX_INT64 - 1n) {
      throw bad(`${field.name} expects an integer, got ${quote(value)}`);
    }
  } else if (kind === 'float' || (kind === 'meta' && numeric)) {
    if (!NUMBER.test(value)) throw bad(`${field.name} expects a number, got ${quote(value)}`);
  } else if (kind === 'bool') {
    if (value !== 'true' && value !== 'false') {
      throw bad(`${field.name} expects true or false, got ${quote(value)}`);
    }
  }
  return value;
}

function orderable(field: FieldRef, what: string): void {
  if (field.kind === 'string' || field.kind === 'bool') {
    throw bad(`${what} is not supported on ${field.kind} field ${field.name}`);
  }
}

class Parser {
  private i = 0;
  private comparisons = 0;

  constructor(
    private readonly s: string,
    private readonly def: CollectionDef,
  ) {}

  parse(): FilterNode {
    const node = this.expr(0);
    this.space();
    if (this.i < this.s.length) throw bad(`unexpected ${quote(this.s.slice(this.i))}`);
    return node;
  }

  private space(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  private eat(token: string): boolean {
    this.space();
    if (this.s.startsWith(token, this.i)) {
      this.i += token.length;
      return true;
    }
    return false;
  }

  private expr(depth: number): FilterNode {
    if (depth > MAX_DEPTH) throw bad(`nested deeper than ${MAX_DEPTH} levels`);
    const nodes = [this.term(depth)];
    while (this.eat('||')) nodes.push(this.term(depth));
    return nodes.length === 1 ? nodes[0] : { kind: 'or', nodes };
  }

  private term(depth: number): FilterNode {
    const nodes = [this.factor(depth)];
    while (this.eat('&&')) nodes.push(this.factor(depth));
    return nodes.length === 1 ? nodes[0] : { kind: 'and', nodes };
  }

  private factor(depth: number): FilterNode {
    if (this.eat('(')) {
      const node = this.expr(depth + 1);
      if (!this.eat(')')) throw bad('missing closing parenthesis');
      return node;
    }
    return this.comparison();
  }

  private comparison(): FilterNode {
    if (++this.comparisons > MAX_COMPARISONS) throw bad(`at most ${MAX_COMPARISONS} conditions`);
    this.space();
    const m = FIELD.exec(this.s.slice(this.i));
    if (!m) throw bad(`expected a field name at ${quote(this.s.slice(this.i))}`);
    this.i += m[0].length;
    const field = resolveField(this.def, m[0], 'filter_by');
    if (field.kind === 'object') throw bad(`cannot filter on object field ${field.name}`);
    if (!this.eat(':')) throw bad(`expected ':' after ${field.name}`);
    let op: Comparison = '=';
    for (const o of ['!=', '>=', '<=', '=', '>', '<'] as const) {
      if (this.eat(o)) {
        op = o;
        break;
      }
    }
    this.space();
    if (this.s[this.i] === '[') {
      if (op !== '=' && op !== '!=') throw bad(`operator ${op} cannot take a list (${field.name})`);
      return { kind: 'list', field, negated: op === '!=', items: this.list(field) };
    }
    const value = this.scalar();
    const numeric = op !== '=' && op !== '!=';
    if (numeric) orderable(field, `operator ${op}`);
    return { kind: 'cmp', field, op, value: checkValue(field, value, numeric) };
  }

  private list(field: FieldRef): FilterItem[] {
    this.i++; // '['
    const items: FilterItem[] = [];
    do {
      const first = this.scalar(true);
      if (this.eat('..')) {
        orderable(field, 'a range');
        const to = this.scalar(true);
        items.push({ from: checkValue(field, first, true), to: checkValue(field, to, true) });
      } else {
        items.push({ value: checkValue(field, first, false) });
      }
      if (items.length > MAX_LIST) throw bad(`a list allows at most ${MAX_LIST} values`);
    } while (this.eat(','));
    if (!this.eat(']')) throw bad(`missing ']' in the list for ${field.name}`);
    return items;
  }

  /** A bare value runs to the next operator, bracket or comma; a backtick-quoted one is literal. */
  private scalar(inList = false): string {
    this.space();
    if (this.s[this.i] === '`') {
      const end = this.s.indexOf('`', this.i + 1);
      if (end < 0) throw bad('unterminated backtick-quoted value');
      const v = this.s.slice(this.i + 1, end);
      this.i = end + 1;
      return v;
    }
    const start = this.i;
    while (this.i < this.s.length) {
      const rest = this.s.slice(this.i);
      if (/^(&&|\|\||\)|\(|\[|\])/.test(rest) || (inList && /^(,|\.\.)/.test(rest))) break;
      this.i++;
    }
    const v = this.s.slice(start, this.i).trim();
    if (!v) throw bad(`missing value at ${quote(this.s.slice(start) || 'end of filter')}`);
    return v;
  }
}

/** Parses Typesense's `filter_by` for `def`; every name is checked, every value typed. */
export function parseFilterBy(text: unknown, def: CollectionDef): FilterNode | undefined {
  if (text === undefined || text === null || text === '') return undefined;
  if (typeof text !== 'string') throw bad('must be a string');
  if (text.length > MAX_LENGTH) throw bad(`longer than ${MAX_LENGTH} characters`);
  return new Parser(text, def).parse();
}
