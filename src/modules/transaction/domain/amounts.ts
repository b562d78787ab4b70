import {
  divideToDecimalString,
  formatFloat,
  parseDecimal,
  scaleAndRound,
} from '@libs/core/decimal';

/**
 * Amount rules of reference §5.2. `precise_amount` (minor units) is authoritative; `amount` is a
 * float in major units that is converted through its shortest decimal form, rounding half away
 * from zero, so 1.005 × 100 = 100.5 → 101 exactly as Blnk does.
 */
export interface ResolvedAmounts {
  preciseAmount: bigint;
  precision: bigint;
  /** Major units, exact decimal string. */
  amount: string;
  /** Present when the amount was derived from precise_amount. */
  amountString?: string;
}

export function effectivePrecision(precision: bigint | undefined): bigint {
  return precision === undefined || precision === 0n ? 1n : precision;
}

export function resolveAmounts(input: {
  amount?: number;
  preciseAmount?: bigint;
  precision?: bigint;
}): ResolvedAmounts {
  const precision = effectivePrecision(input.precision);
  if (input.preciseAmount !== undefined && input.preciseAmount > 0n) {
    const amount = divideToDecimalString(input.preciseAmount, precision);
    return { preciseAmount: input.preciseAmount, precision, amount, amountString: amount };
  }
  if (input.amount !== undefined && input.amount !== 0) {
    const text = formatFloat(input.amount);
    return { preciseAmount: scaleAndRound(parseDecimal(text), precision), precision, amount: text };
  }
  return { preciseAmount: input.preciseAmount ?? 0n, precision, amount: '0' };
}

/** Major units (a decimal string) → minor units, rounded half away from zero. */
export function toMinorUnits(major: string, precision: bigint): bigint {
  return scaleAndRound(parseDecimal(major), precision);
}
