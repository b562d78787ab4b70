import { DomainError } from '@libs/core/domain-error';
import { formatFloat, parseDecimal, scaleAndRound, significantDigits } from '@libs/core/decimal';
import { parseRfc3339 } from '@libs/core/rfc3339';
import { effectivePrecision, resolveAmounts, ResolvedAmounts } from './amounts';
import type { MetaData, TransactionFlags } from './transaction';
import { validationError } from './transaction.errors';

export interface DistributionInput {
  identifier: string;
  distribution?: string;
  preciseDistribution?: string;
}

/** A record-transaction request after wire decoding (types checked, nothing else). */
export interface RecordTransactionInput {
  amount?: number | bigint;
  preciseAmount?: bigint;
  precision?: number | bigint;
  currency?: string;
  reference?: string;
  description?: string;
  source?: string;
  destination?: string;
  sources?: DistributionInput[];
  destinations?: DistributionInput[];
  allowOverdraft?: boolean;
  overdraftLimit?: number;
  inflight?: boolean;
  inflightExpiryDate?: string;
  inflightCommitDate?: string;
  scheduledFor?: string;
  effectiveDate?: string;
  skipQueue?: boolean;
  atomic?: boolean;
  metaData?: MetaData | null;
  dryRun?: boolean;
}

/** A validated request: amounts resolved, dates parsed, flags settled. */
export interface TransactionDraft extends ResolvedAmounts {
  currency: string;
  reference: string;
  description: string;
  source?: string;
  destination?: string;
  sources?: DistributionInput[];
  destinations?: DistributionInput[];
  flags: TransactionFlags;
  scheduledFor: Date | null;
  effectiveDate: Date | null;
  metaData: MetaData | null;
}

const SCHEDULE_MSG =
  "please format the scheduled date as 'YYYY-MM-DDTHH:MM:SS+00:00' (e.g., 2024-04-22T15:28:03+00:00)";

/**
 * Go's RFC 3339 layout (reference §5.1), strictly: a date that does not exist (2027-02-30, hour
 * 24, minute 60) is refused, never rolled forward to another instant.
 */
function parseDate(text: string | undefined): Date | null | 'invalid' {
  if (text === undefined || text === '') return null;
  return parseRfc3339(text) ?? 'invalid';
}

/** Big integers beyond this many digits are refused, as `precise_amount` is (libs/http/validators). */
const MAX_PRECISION_DIGITS = 80;
const PRECISION_BOUND = 10n ** BigInt(MAX_PRECISION_DIGITS);

/**
 * `precision` arrives as a JSON number: a float, or a bigint when written out beyond 2^53. Any
 * number that denotes an integer exactly is taken (`1e18` as well as 1000000000000000000); a
 * fraction is Blnk's TXN_PRECISION_NOT_INTEGER. A float beyond 2^53 is exact only when its
 * shortest decimal form is that integer (1e18 is, 1e30 is not: the double holds
 * 1000000000000000019884624838656), so such a float that is not is refused rather than guessed.
 */
function precisionOf(p: number | bigint | undefined): bigint | undefined | 'inexact' | 'too long' {
  if (p === undefined) return undefined;
  let value: bigint;
  if (typeof p === 'bigint') value = p;
  else if (!Number.isInteger(p)) {
    throw new DomainError('TXN_PRECISION_NOT_INTEGER', 'precision must be an integer value');
  } else {
    value = BigInt(p);
    if (!Number.isSafeInteger(p) && value.toString() !== formatFloat(p)) return 'inexact';
  }
  // Compared, not printed: toString of a 4 MB bigint takes seconds.
  return (value < 0n ? -value : value) >= PRECISION_BOUND ? 'too long' : value;
}

function blank(s: string | undefined): boolean {
  return s === undefined || s.trim() === '';
}

/**
 * Most legs of one split. Each leg is a row and a balance locked in one database transaction;
 * without a bound one request could hold thousands of balance locks (Blnk has none).
 */
export const MAX_SPLIT_LEGS = 1000;

/**
 * Validation of reference §5.1, all rules evaluated together into one message, then amount
 * resolution (§5.2). Flags are returned as flags (they become columns), never put in meta_data.
 * @throws DomainError TXN_VALIDATION_ERROR or TXN_PRECISION_NOT_INTEGER.
 */
export function validateRecordRequest(input: RecordTransactionInput): TransactionDraft {
  const precisionIn = precisionOf(input.precision);
  const e: Record<string, string> = {};
  if (precisionIn === 'inexact') {
    e.precision = 'precision is not exact as a float; write the integer out in digits';
  } else if (precisionIn === 'too long') {
    e.precision = `precision must have at most ${MAX_PRECISION_DIGITS} digits`;
  }
  const precision = typeof precisionIn === 'bigint' ? precisionIn : undefined;
  const amount = input.amount;
  const hasAmount = amount !== undefined && amount !== 0 && amount !== 0n;
  const hasPrecise = input.preciseAmount !== undefined;

  if (hasAmount && hasPrecise)
    e.amount = 'either amount or precise_amount should be provided, not both';
  else if (!hasAmount && !hasPrecise) e.amount = 'either amount or precise_amount is required';
  if (
    typeof amount === 'bigint' ||
    (typeof amount === 'number' && significantDigits(formatFloat(amount)) > 15)
  ) {
    e.amount =
      'amount has more than 15 significant digits which may cause rounding errors; use precise_amount instead';
  } else if (typeof amount === 'number' && amount < 0) e.amount = 'amount cannot be negative';
  if (hasPrecise && input.preciseAmount! < 0n)
    e.precise_amount = 'precise_amount cannot be negative';
  if (precision !== undefined && precision < 0n) e.precision = 'precision cannot be negative';
  if (blank(input.currency)) e.currency = 'cannot be blank';
  if (blank(input.reference)) e.reference = 'cannot be blank';
  if (blank(input.description)) e.description = 'cannot be blank';

  const hasSources = input.sources !== undefined;
  const hasDestinations = input.destinations !== undefined;
  if (blank(input.source) === !hasSources)
    e.source = 'either source or sources is required, not both';
  if (blank(input.destination) === !hasDestinations) {
    e.destination = 'either destination or destinations is required, not both';
  }
  if (hasSources && hasDestinations) e.sources = 'sources and destinations cannot both be given';
  for (const [field, list] of [
    ['sources', input.sources],
    ['destinations', input.destinations],
  ] as const) {
    if (list && list.length > MAX_SPLIT_LEGS) {
      e[field] = `a split has at most ${MAX_SPLIT_LEGS} ${field} (got ${list.length})`;
    }
  }
  if (
    (input.source && input.source === input.destination) ||
    (input.source && input.destinations?.some((d) => d.identifier === input.source)) ||
    (input.destination && input.sources?.some((s) => s.identifier === input.destination))
  ) {
    e.destination = 'source and destination cannot be the same balance';
  }
  if (input.overdraftLimit !== undefined && input.overdraftLimit < 0) {
    e.overdraft_limit = 'overdraft_limit cannot be negative';
  } else if (
    input.overdraftLimit &&
    (precision === undefined || precision >= 0n) &&
    scaleAndRound(
      parseDecimal(formatFloat(input.overdraftLimit)),
      effectivePrecision(precision),
    ) === 0n
  ) {
    // A limit of 0 minor units would read as "no limit", that is an unlimited overdraft.
    e.overdraft_limit = 'overdraft_limit is less than one minor unit at this precision';
  }

  const scheduledFor = parseDate(input.scheduledFor);
  const expiry = parseDate(input.inflightExpiryDate);
  const commitAt = parseDate(input.inflightCommitDate);
  if (scheduledFor === 'invalid') e.scheduled_for = SCHEDULE_MSG;
  if (expiry === 'invalid') e.inflight_expiry_date = SCHEDULE_MSG;
  if (commitAt === 'invalid') e.inflight_commit_date = SCHEDULE_MSG;
  // Blnk binds effective_date to a Go time.Time: RFC 3339 as for the other dates, fractions allowed.
  const effectiveDate = parseDate(input.effectiveDate);
  if (effectiveDate === 'invalid') e.effective_date = 'must be an RFC 3339 date-time';
  if (Object.keys(e).length) throw validationError(e);

  const resolved = resolveAmounts({
    amount: typeof amount === 'number' ? amount : undefined,
    preciseAmount: input.preciseAmount,
    precision,
  });
  const flags: TransactionFlags = {
    allowOverdraft: input.allowOverdraft === true,
    inflight: input.inflight === true,
    skipQueue: input.skipQueue === true,
    atomic: input.atomic === true,
    overdraftLimit: input.overdraftLimit ? formatFloat(input.overdraftLimit) : '0',
    inflightExpiryDate: expiry as Date | null,
    inflightCommitDate: commitAt as Date | null,
    amountString: resolved.amountString,
  };
  // The flags become columns of the rows; meta_data stays the client's own.
  const meta: MetaData = { ...(input.metaData ?? {}) };
  return {
    ...resolved,
    currency: input.currency!,
    reference: input.reference!,
    description: input.description!,
    source: input.source || undefined,
    destination: input.destination || undefined,
    sources: input.sources,
    destinations: input.destinations,
    flags,
    scheduledFor: scheduledFor as Date | null,
    effectiveDate: effectiveDate as Date | null,
    metaData: Object.keys(meta).length ? meta : input.metaData === undefined ? null : meta,
  };
}
