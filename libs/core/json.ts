import { LosslessNumber, stringify } from 'lossless-json';

/**
 * JSON with big integers (reference §1.5). Integer literals that do not fit a double arrive as
 * bigint; every other number as a JavaScript number (Blnk's float fields). On the way out a bigint
 * is written as a bare number of any size, and an exact decimal wrapped in `rawNumber` is written
 * verbatim, so amounts never pass through a float.
 */
const NUMBER_RE = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
// Past this many digits an integer is not an amount any ledger holds, and BigInt of it is slow.
const MAX_INTEGER_DIGITS = 400;

/** The integer a JSON number literal denotes exactly (`1e18`, `100.0`), if it denotes one. */
function exactInteger(text: string): bigint | undefined {
  const m = NUMBER_RE.exec(text);
  if (!m) return undefined;
  const [, sign, int, frac = '', exp = '0'] = m;
  const digits = (int + frac).replace(/^0+/, '');
  if (!digits) return undefined;
  // A huge exponent is no integer a ledger holds; Number() of it would be a huge shift.
  if (exp.length > 6) return undefined;
  const shift = Number(exp) - frac.length;
  if (shift >= 0) {
    return digits.length + shift > MAX_INTEGER_DIGITS
      ? undefined
      : BigInt(sign + digits + '0'.repeat(shift));
  }
  const keep = digits.length + shift;
  if (keep <= 0 || !/^0*$/.test(digits.slice(keep))) return undefined;
  return keep > MAX_INTEGER_DIGITS ? undefined : BigInt(sign + digits.slice(0, keep));
}

/**
 * A number literal: an integer (however it is written) stays exact — a number when it is safe,
 * else a bigint — and anything else is a float, as Blnk reads it.
 */
function parseNumber(text: string): number | bigint {
  const exact = exactInteger(text);
  if (exact === undefined) return Number(text);
  const n = Number(exact);
  return Number.isSafeInteger(n) ? n : exact;
}

export class JsonBodyError extends Error {}

/**
 * Levels of nesting (objects and arrays) a request body may have. A bulk item's meta_data opens
 * at level 4, leaving it 28 of its own; deeper structures only cost stack and break clients.
 */
export const MAX_JSON_DEPTH = 32;

/** Keys that would reach or replace an object's prototype once assigned or merged. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

export const UNSTORABLE_TEXT = 'must not contain a NUL character or an unpaired UTF-16 surrogate';

/**
 * PostgreSQL stores neither NUL in text or JSONB nor an unpaired surrogate in JSONB, and the
 * driver silently turns an unpaired surrogate in text into U+FFFD: such a string would fail the
 * insert or be stored as something else than was sent.
 */
export function isUnstorableText(s: string): boolean {
  return s.includes('\u0000') || !(s as string & { isWellFormed(): boolean }).isWellFormed();
}

export interface JsonParseOptions {
  /** Containers that may be open at once; deeper input is refused. */
  maxDepth: number;
  /** Refuse FORBIDDEN_KEYS, text PostgreSQL cannot store and duplicate keys (request bodies). */
  strict: boolean;
}

/** What a client sends: every limit applies. */
export const REQUEST_JSON: JsonParseOptions = { maxDepth: MAX_JSON_DEPTH, strict: true };
/** What the database gives back (JSONB columns): our own writes, read whatever their shape. */
export const STORED_JSON: JsonParseOptions = { maxDepth: Infinity, strict: false };

type Container = Record<string, unknown> | unknown[];
interface Frame {
  value: Container;
  /** The key being filled in an object; the next index is the array's length. */
  key?: string;
}

const NUMBER_TOKEN = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS: [string, unknown][] = [
  ['true', true],
  ['false', false],
  ['null', null],
];

/**
 * A JSON parser without recursion: nesting costs heap, not stack, so no input can overflow it,
 * and the depth limit is checked as each container opens, before anything deeper is read. Keys
 * and strings are checked as they are decoded (an escaped `\u005f_proto__` is `__proto__`), so a
 * refused body never becomes an object at all.
 */
class Parser {
  private i = 0;
  private readonly stack: Frame[] = [];

  constructor(
    private readonly text: string,
    private readonly opts: JsonParseOptions,
  ) {}

  parse(): unknown {
    this.ws();
    let value = this.value();
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (!top) break;
      this.ws();
      const c = this.text[this.i++];
      if (Array.isArray(top.value)) {
        top.value.push(value);
        if (c === ']') {
          value = this.stack.pop()!.value;
          continue;
        }
        if (c !== ',') this.fail(`expected ',' or ']'`, this.i - 1);
      } else {
        this.assign(top.value, top.key!, value);
        if (c === '}') {
          value = this.stack.pop()!.value;
          continue;
        }
        if (c !== ',') this.fail(`expected ',' or '}'`, this.i - 1);
        top.key = undefined;
        top.key = this.key(top.value);
      }
      this.ws();
      value = this.value();
    }
    this.ws();
    if (this.i < this.text.length) this.fail('expected end of input', this.i);
    return value;
  }

  /** A scalar, or an empty container; a non-empty one is pushed and its first member begun. */
  private value(): unknown {
    for (;;) {
      const c = this.text[this.i];
      if (c === '{' || c === '[') {
        if (this.stack.length >= this.opts.maxDepth) {
          this.fail(`is nested too deeply (at most ${this.opts.maxDepth} levels)`);
        }
        this.i++;
        this.ws();
        const close = c === '{' ? '}' : ']';
        const container: Container = c === '{' ? {} : [];
        if (this.text[this.i] === close) {
          this.i++;
          return container;
        }
        const frame: Frame = { value: container };
        this.stack.push(frame);
        if (c === '{') frame.key = this.key(container as Record<string, unknown>);
        this.ws();
        continue;
      }
      if (c === '"') return this.string();
      if (c === '-' || (c >= '0' && c <= '9')) return this.number();
      for (const [word, v] of LITERALS) {
        if (this.text.startsWith(word, this.i)) {
          this.i += word.length;
          return v;
        }
      }
      return this.fail(c === undefined ? 'unexpected end of input' : 'unexpected character');
    }
  }

  /** A member's key and its colon. */
  private key(obj: Record<string, unknown>): string {
    this.ws();
    if (this.text[this.i] !== '"') this.fail('expected a string key');
    const key = this.string(true);
    if (this.opts.strict) {
      if (FORBIDDEN_KEYS.has(key)) this.fail(`forbidden key ${JSON.stringify(key)}`);
      if (isUnstorableText(key)) this.fail(`has a key that ${UNSTORABLE_TEXT}`);
      if (Object.hasOwn(obj, key)) this.fail(`duplicate key ${JSON.stringify(key.slice(0, 64))}`);
    }
    this.ws();
    if (this.text[this.i++] !== ':') this.fail(`expected ':'`, this.i - 1);
    this.ws();
    return key;
  }

  private string(isKey = false): string {
    const start = ++this.i;
    const { text } = this;
    let escaped = false;
    for (;;) {
      const code = text.charCodeAt(this.i);
      if (Number.isNaN(code)) this.fail('unterminated string', start - 1);
      if (code === 0x22) break;
      if (code < 0x20) this.fail('control character in string');
      if (code === 0x5c) {
        escaped = true;
        this.i++;
      }
      this.i++;
    }
    const raw = text.slice(start, this.i++);
    let s = raw;
    if (escaped) {
      try {
        // The native decoder, on a slice already known to be one string token.
        s = JSON.parse(`"${raw}"`) as string;
      } catch {
        this.fail('invalid escape in string', start - 1);
      }
    }
    if (this.opts.strict && !isKey && isUnstorableText(s)) this.fail(UNSTORABLE_TEXT, start - 1);
    return s;
  }

  private number(): number | bigint {
    NUMBER_TOKEN.lastIndex = this.i;
    const m = NUMBER_TOKEN.exec(this.text);
    if (!m) return this.fail('invalid number');
    const token = m[0];
    this.i += token.length;
    // Short plain integers are the common case and always safe.
    if (token.length < 16 && !/[.eE]/.test(token)) return Number(token);
    // 1e400 becomes Infinity here; validation refuses it field by field, with the route's code.
    return parseNumber(token);
  }

  private ws(): void {
    const { text } = this;
    for (;;) {
      const c = text.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.i++;
    }
  }

  private assign(obj: Record<string, unknown>, key: string, value: unknown): void {
    // Only stored JSON can hold such a key: an own property, never the prototype.
    if (key === '__proto__') {
      Object.defineProperty(obj, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else obj[key] = value;
  }

  /** The members being read, `meta_data.a.0`, for messages. */
  private path(): string {
    const parts: string[] = [];
    for (const f of this.stack) {
      parts.push(Array.isArray(f.value) ? String(f.value.length) : (f.key ?? ''));
    }
    return parts.filter((p) => p !== '').join('.');
  }

  private fail(reason: string, at = this.i): never {
    const path = this.path();
    throw new JsonBodyError(`${path ? `${path}: ` : ''}${reason} (at position ${at})`);
  }
}

/**
 * Parses JSON losslessly. Request bodies (the default) get every limit: at most MAX_JSON_DEPTH
 * levels, no `__proto__`/`constructor`/`prototype` key (decoded, so escapes do not slip past), no
 * duplicate key, no NUL or unpaired surrogate in a key or string. Errors are JsonBodyError with
 * the member's path and position, never an engine message.
 */
export function parseJson(text: string, opts: JsonParseOptions = REQUEST_JSON): unknown {
  return new Parser(text, opts).parse();
}

export function stringifyJson(value: unknown): string {
  return stringify(value) ?? 'null';
}

/** A decimal string emitted as a bare JSON number, digit for digit. */
export function rawNumber(decimal: string): LosslessNumber {
  return new LosslessNumber(decimal);
}
