import { LosslessNumber, parse, stringify } from 'lossless-json';

/**
 * JSON with big integers (reference §1.5). Integer literals that do not fit a double arrive as
 * bigint; every other number as a JavaScript number (Blnk's float fields). On the way out a bigint
 * is written as a bare number of any size, and an exact decimal wrapped in `rawNumber` is written
 * verbatim, so amounts never pass through a float.
 */
const INTEGER_RE = /^-?\d+$/;

function parseNumber(text: string): number | bigint {
  if (INTEGER_RE.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
  return Number(text);
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
