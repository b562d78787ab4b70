import { DomainError, fieldErrorMessage } from '@libs/core/domain-error';
import { formatFloat, parseDecimal, scaleAndTruncate, significantDigits } from '@libs/core/decimal';
import type { BalanceAmounts } from '../../balance/domain/balance';

/** The balance fields a monitor may watch (reference §2.4), by wire name. */
export const MONITOR_FIELDS = {
  balance: 'balance',
  credit_balance: 'creditBalance',
  debit_balance: 'debitBalance',
  inflight_balance: 'inflightBalance',
  inflight_credit_balance: 'inflightCreditBalance',
  inflight_debit_balance: 'inflightDebitBalance',
} as const satisfies Record<string, keyof BalanceAmounts>;
export type MonitorField = keyof typeof MONITOR_FIELDS;

/**
 * Operators of reference §2.4. Blnk's table accepts `=` and its engine compares with `==`, so an
 * equality monitor never fires there; here both spell equality, and the spelling sent is kept.
 */
export const MONITOR_OPERATORS = ['>', '<', '>=', '<=', '=', '==', '!='] as const;
export type MonitorOperator = (typeof MONITOR_OPERATORS)[number];

/**
 * Monitors one balance may have. Every committed change of a balance evaluates all of its
 * monitors, so their number is what one transfer costs after commit (Blnk has no bound).
 */
export const MAX_MONITORS_PER_BALANCE = 100;

export interface MonitorCondition {
  field: MonitorField;
  operator: MonitorOperator;
  /** Threshold in major units, exactly as sent: a decimal string (`"10.5"`, `"-3"`). */
  value: string;
  /** Minor units per major unit, a positive integer. */
  precision: bigint;
  /** trunc(value × precision): the threshold compared with the balance field. */
  preciseValue: bigint;
}

export interface BalanceMonitor {
  monitorId: string;
  balanceId: string;
  description: string;
  callBackUrl: string;
  createdAt: Date;
  condition: MonitorCondition;
}

/** A threshold or precision as decoded from JSON: a float, or a bigint beyond 2^53. */
export type JsonNumber = number | bigint;

export interface MonitorInput {
  balanceId?: string;
  description?: string;
  callBackUrl?: string;
  field?: string;
  operator?: string;
  value?: JsonNumber;
  precision?: JsonNumber;
}

/** Digits a threshold or a precision may have, as for amounts (libs/http/validators). */
const MAX_DIGITS = 80;
const BOUND = 10n ** BigInt(MAX_DIGITS);

const blank = (s: string | undefined) => s === undefined || s.trim() === '';

/**
 * The exact decimal of a JSON number; undefined when the float it was parsed into may not be what
 * was sent. Integers written out in digits arrive as bigint (exact); a float beyond 2^53, or one
 * with more than 15 significant digits, is a rounding of the text (1000000000000000000.01 and
 * 1e18 are the same float, 0.12345678901234567891 becomes 0.12345678901234568): refused, as an
 * amount with more than 15 significant digits is (record-request.ts), rather than stored as a
 * threshold the client never sent.
 */
function decimalText(v: JsonNumber): string | undefined {
  if (typeof v === 'bigint') return v.toString();
  if (Number.isInteger(v) && !Number.isSafeInteger(v)) return undefined;
  const text = formatFloat(v);
  return significantDigits(text) > 15 ? undefined : text;
}

function precisionOf(p: JsonNumber, errors: Record<string, string>): bigint | undefined {
  const whole = typeof p === 'bigint' ? p : Number.isInteger(p) ? decimalText(p) : undefined;
  if (whole === undefined) {
    errors['condition.precision'] = 'must be a positive integer (written out in digits)';
    return undefined;
  }
  const value = BigInt(whole);
  if (value <= 0n) errors['condition.precision'] = 'must be a positive integer';
  else if (value >= BOUND) errors['condition.precision'] = `must have at most ${MAX_DIGITS} digits`;
  else return value;
  return undefined;
}

/** trunc(value × precision), exactly (Blnk multiplies float64s: 10.1 × 100 gives it 1009). */
export function preciseValueOf(value: string, precision: bigint): bigint {
  return scaleAndTruncate(parseDecimal(value), precision);
}

/**
 * Validates a monitor's fields and builds its condition. `current` is the stored condition on an
 * update, whose precision is kept when none is sent.
 * @throws DomainError GEN_VALIDATION_ERROR naming every invalid field.
 */
export function monitorCondition(
  input: MonitorInput,
  current?: MonitorCondition,
): MonitorCondition {
  const errors: Record<string, string> = {};
  if (blank(input.balanceId)) errors.balance_id = 'cannot be blank';
  const field = input.field as MonitorField;
  if (blank(input.field)) errors['condition.field'] = 'cannot be blank';
  else if (!Object.hasOwn(MONITOR_FIELDS, field)) {
    errors['condition.field'] = `must be one of ${Object.keys(MONITOR_FIELDS).join(', ')}`;
  }
  const operator = input.operator as MonitorOperator;
  if (blank(input.operator)) errors['condition.operator'] = 'cannot be blank';
  else if (!MONITOR_OPERATORS.includes(operator)) {
    errors['condition.operator'] = `must be one of ${MONITOR_OPERATORS.join(' ')}`;
  }
  let value: string | undefined;
  if (input.value === undefined) errors['condition.value'] = 'cannot be blank';
  else {
    value = decimalText(input.value);
    if (value === undefined) {
      errors['condition.value'] =
        'is not exact as a float: write integers out in digits, and at most 15 significant digits';
    } else if (value.replace(/[-.]/g, '').length > MAX_DIGITS) {
      errors['condition.value'] = `must have at most ${MAX_DIGITS} digits`;
    }
  }
  let precision: bigint | undefined = current?.precision;
  if (input.precision !== undefined) precision = precisionOf(input.precision, errors);
  else if (precision === undefined) errors['condition.precision'] = 'cannot be blank';
  if (Object.keys(errors).length) {
    throw new DomainError('GEN_VALIDATION_ERROR', fieldErrorMessage(errors), undefined, 'errors');
  }
  return {
    field,
    operator,
    value: value!,
    precision: precision!,
    preciseValue: preciseValueOf(value!, precision!),
  };
}

/** Whether the condition holds for these amounts (big integers, never floats). */
export function conditionHolds(c: MonitorCondition, amounts: BalanceAmounts): boolean {
  const x = amounts[MONITOR_FIELDS[c.field]];
  const t = c.preciseValue;
  switch (c.operator) {
    case '>':
      return x > t;
    case '<':
      return x < t;
    case '>=':
      return x >= t;
    case '<=':
      return x <= t;
    case '=':
    case '==':
      return x === t;
    case '!=':
      return x !== t;
    default:
      return false; // a row written around the table's check: never fires rather than throws
  }
}

/**
 * Whether a monitor fires for one committed change of its balance: its condition was false before
 * and is true after. A balance that stays past the threshold does not fire again on every change
 * (Blnk fires each time); it fires again once it has come back and crossed once more. `before`
 * null (no earlier state known, e.g. the balance was just created) counts as not holding.
 */
export function monitorFires(
  c: MonitorCondition,
  before: BalanceAmounts | null,
  after: BalanceAmounts,
): boolean {
  return conditionHolds(c, after) && !(before !== null && conditionHolds(c, before));
}
