/**
 * Exact decimal arithmetic on bigint for amounts. A JavaScript `number` never carries money:
 * floats only arrive from the wire (Blnk's `amount` is a float64) and are turned into their
 * shortest decimal string at once.
 */

const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Exact decimal value: units × 10^-scale. */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

export function parseDecimal(text: string): Decimal {
  const m = DECIMAL_RE.exec(text);
  if (!m) throw new Error(`not a decimal: ${text}`);
  const frac = m[3] ?? '';
  const units = BigInt((m[1] ?? '') + m[2] + frac);
  return { units, scale: frac.length };
}

/**
 * Go's strconv.FormatFloat(x, 'f', -1, 64): the shortest decimal that round-trips the float,
 * never in exponent form. JavaScript's String(x) gives the same digits but switches to exponent
 * notation at 1e21 and below 1e-6, so the exponent is expanded here.
 */
export function formatFloat(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`not a finite number: ${x}`);
  if (Object.is(x, -0)) return '0';
  const s = String(x);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const neg = s.startsWith('-');
  const mantissa = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const [intPart, fracPart = ''] = mantissa.split('.');
  const digits = intPart + fracPart;
  const point = intPart.length + exp;
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return (neg ? '-' : '') + out;
}

/** Number of significant digits of a decimal string (leading zeros and the point dropped). */
export function significantDigits(text: string): number {
  const digits = text.replace('-', '').replace('.', '').replace(/^0+/, '');
  return digits.length === 0 ? 1 : digits.length;
}

/** round(value × multiplier) with half away from zero, exactly. */
export function scaleAndRound(value: Decimal, multiplier: bigint): bigint {
  const product = value.units * multiplier;
  if (value.scale === 0) return product;
  const divisor = 10n ** BigInt(value.scale);
  const q = product / divisor;
  const r = product % divisor;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= divisor) return product < 0n ? q - 1n : q + 1n;
  return q;
}

/** trunc(value × multiplier), exactly. */
export function scaleAndTruncate(value: Decimal, multiplier: bigint): bigint {
  const product = value.units * multiplier;
  return product / 10n ** BigInt(value.scale);
}

/**
 * numerator / denominator as an exact decimal string when it terminates; otherwise truncated at
 * `maxScale` fractional digits. Used for major units derived from minor units.
 */
export function divideToDecimalString(
  numerator: bigint,
  denominator: bigint,
  maxScale = 30,
): string {
  if (denominator <= 0n) throw new Error('denominator must be positive');
  const neg = numerator < 0n;
  const n = neg ? -numerator : numerator;
  const intPart = n / denominator;
  let rem = n % denominator;
  let frac = '';
  while (rem !== 0n && frac.length < maxScale) {
    rem *= 10n;
    frac += (rem / denominator).toString();
    rem %= denominator;
  }
  const body = frac.length ? `${intPart}.${frac}` : `${intPart}`;
  return neg && body !== '0' ? `-${body}` : body;
}
