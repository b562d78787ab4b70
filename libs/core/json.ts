import { LosslessNumber, parse, stringify } from 'lossless-json';

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

// Keys that would rewrite an object's prototype when assigned; such bodies are refused outright.
const POISON_RE = /"(?:__proto__|constructor|prototype)"\s*:/;

export class JsonBodyError extends Error {}

export function parseJson(text: string): unknown {
  if (POISON_RE.test(text)) throw new JsonBodyError('forbidden property name in JSON body');
  try {
    return parse(text, null, parseNumber);
  } catch (e) {
    throw new JsonBodyError(e instanceof Error ? e.message : String(e));
  }
}

export function stringifyJson(value: unknown): string {
  return stringify(value) ?? 'null';
}

/** A decimal string emitted as a bare JSON number, digit for digit. */
export function rawNumber(decimal: string): LosslessNumber {
  return new LosslessNumber(decimal);
}
