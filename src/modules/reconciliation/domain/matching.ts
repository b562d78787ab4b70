import { distance } from 'fastest-levenshtein';
import { Decimal, parseDecimal, scaleAndTruncate } from '@libs/core/decimal';
import type { Criterion, MatchingRule } from './matching-rule';

/**
 * One side of a comparison: an external row, an internal transaction, or a group of either
 * summarized (reference §8.3). `amount` is an exact decimal string in major units; `dateMicros`
 * microseconds since the epoch (PostgreSQL's precision).
 */
export interface Comparable {
  amount: string;
  dateMicros: bigint;
  description: string;
  reference: string;
  currency: string;
}

/** The currency of a group whose members have several. */
export const MIXED = 'MIXED';

const abs = (x: bigint) => (x < 0n ? -x : x);
const at = (d: Decimal, scale: number) => d.units * 10n ** BigInt(scale - d.scale);

/** `d` as a decimal string. */
export function decimalString(d: Decimal): string {
  const neg = d.units < 0n;
  const digits = abs(d.units)
    .toString()
    .padStart(d.scale + 1, '0');
  const int = digits.slice(0, digits.length - d.scale);
  const frac = d.scale ? '.' + digits.slice(digits.length - d.scale) : '';
  return (neg ? '-' : '') + int + frac;
}

export function addDecimals(a: string, b: string): string {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const s = Math.max(x.scale, y.scale);
  return decimalString({ units: at(x, s) + at(y, s), scale: s });
}

/** a < b: -1, a = b: 0, a > b: 1, exactly. */
export function compareDecimals(a: string, b: string): number {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const s = Math.max(x.scale, y.scale);
  const d = at(x, s) - at(y, s);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** `|E − I| ≤ |I| × drift`, drift a fraction (0.01 = 1%); bounds inclusive, exact. */
export function amountWithinDrift(external: string, internal: string, drift: string): boolean {
  const e = parseDecimal(external);
  const i = parseDecimal(internal);
  const f = parseDecimal(drift);
  const lhsScale = Math.max(e.scale, i.scale);
  const lhs = abs(at(e, lhsScale) - at(i, lhsScale)); // scale lhsScale
  const rhs = abs(i.units) * f.units; // scale i.scale + f.scale
  const s = Math.max(lhsScale, i.scale + f.scale);
  return lhs * 10n ** BigInt(s - lhsScale) <= rhs * 10n ** BigInt(s - i.scale - f.scale);
}

/** Seconds (a decimal, fractions allowed) as whole microseconds, rounded down. */
export function secondsToMicros(seconds: string): bigint {
  return scaleAndTruncate(parseDecimal(seconds), 1_000_000n);
}

/** Most edits a fuzzy match allows: floor(maxLen × percent / 100). */
export function allowedEdits(a: string, b: string, percent: string): number {
  const maxLen = BigInt(Math.max(a.length, b.length));
  return Number(scaleAndTruncate(parseDecimal(percent), maxLen) / 100n);
}

/** Blnk's `contains`: either string holds the other (case-insensitive), else within the edits. */
export function fuzzyContains(external: string, internal: string, percent: string): boolean {
  const e = external.toLowerCase();
  const i = internal.toLowerCase();
  if (e.includes(i) || i.includes(e)) return true;
  return distance(e, i) <= allowedEdits(e, i, percent);
}

/** Blnk's text `equals`: case-insensitive equality with any `" | "` part of the internal value. */
export function textEquals(external: string, internal: string): boolean {
  const e = external.toLowerCase();
  return internal.split(' | ').some((part) => part.toLowerCase() === e);
}

function textMatches(c: Criterion, e: string, i: string): boolean {
  if (c.operator === 'equals') return textEquals(e, i);
  if (c.operator === 'contains') return fuzzyContains(e, i, c.drift);
  return false;
}

/** One criterion of reference §8.2, external `e` against internal `i`. */
export function criterionMatches(c: Criterion, e: Comparable, i: Comparable): boolean {
  switch (c.field) {
    case 'amount':
      if (c.operator === 'equals') return amountWithinDrift(e.amount, i.amount, c.drift);
      if (c.operator === 'greater_than') return compareDecimals(e.amount, i.amount) > 0;
      if (c.operator === 'less_than') return compareDecimals(e.amount, i.amount) < 0;
      return false;
    case 'date': {
      const diff = e.dateMicros - i.dateMicros;
      if (c.operator === 'equals') return abs(diff) <= secondsToMicros(c.drift);
      if (c.operator === 'greater_than') return diff > 0n;
      if (c.operator === 'less_than') return diff < 0n;
      return false;
    }
    case 'currency':
      if (e.currency === MIXED || i.currency === MIXED) return true;
      return textMatches(c, e.currency, i.currency);
    case 'description':
      return textMatches(c, e.description, i.description);
    case 'reference':
      return textMatches(c, e.reference, i.reference);
  }
}

/** The first rule (in the order given) whose criteria all match, if any. */
export function matchingRule(
  rules: readonly MatchingRule[],
  e: Comparable,
  i: Comparable,
): MatchingRule | undefined {
  return rules.find((r) => r.criteria.every((c) => criterionMatches(c, e, i)));
}

/**
 * The SQL bounds of one_to_one's candidate search (reference §8.3): the widest amount window
 * `[amt − |amt|·drift, amt + |amt|·drift]` over every amount `equals` criterion of the rules, and
 * the widest `±drift` seconds over every date `equals` criterion; absent when no such criterion.
 */
export interface CandidateBounds {
  amountLow?: string;
  amountHigh?: string;
  dateLowMicros?: bigint;
  dateHighMicros?: bigint;
}

export interface WidestDrifts {
  amount?: string;
  dateMicros?: bigint;
}

export function widestDrifts(rules: readonly MatchingRule[]): WidestDrifts {
  const out: WidestDrifts = {};
  for (const c of rules.flatMap((r) => r.criteria)) {
    if (c.operator !== 'equals') continue;
    if (
      c.field === 'amount' &&
      (out.amount === undefined || compareDecimals(c.drift, out.amount) > 0)
    ) {
      out.amount = c.drift;
    }
    if (c.field === 'date') {
      const us = secondsToMicros(c.drift);
      if (out.dateMicros === undefined || us > out.dateMicros) out.dateMicros = us;
    }
  }
  return out;
}

export function candidateBounds(e: Comparable, drifts: WidestDrifts): CandidateBounds {
  const out: CandidateBounds = {};
  if (drifts.amount !== undefined) {
    const a = parseDecimal(e.amount);
    const f = parseDecimal(drifts.amount);
    const s = a.scale + f.scale;
    const width = abs(a.units) * f.units;
    out.amountLow = decimalString({ units: at(a, s) - width, scale: s });
    out.amountHigh = decimalString({ units: at(a, s) + width, scale: s });
  }
  if (drifts.dateMicros !== undefined) {
    out.dateLowMicros = e.dateMicros - drifts.dateMicros;
    out.dateHighMicros = e.dateMicros + drifts.dateMicros;
  }
  return out;
}

/**
 * A group summarized (reference §8.3): Σ amount, the earliest date, descriptions and references
 * joined by `" | "`, the currency or MIXED when the members have several.
 */
export function summarize(members: readonly Comparable[]): Comparable {
  let amount = '0';
  let date = members[0].dateMicros;
  const currencies = new Set<string>();
  for (const m of members) {
    amount = addDecimals(amount, m.amount);
    if (m.dateMicros < date) date = m.dateMicros;
    currencies.add(m.currency);
  }
  return {
    amount,
    dateMicros: date,
    description: members.map((m) => m.description).join(' | '),
    reference: members.map((m) => m.reference).join(' | '),
    currency: currencies.size === 1 ? [...currencies][0] : MIXED,
  };
}

/**
 * A group of one_to_many (internal transactions) or many_to_one (external rows), summarized, in
 * the order groups are tried; `members` are internal transaction ids or external row seqs.
 */
export interface MatchGroup extends Comparable {
  ordinal: bigint;
  members: string[];
}

/**
 * The drifts that bound a group search without losing a match: per rule the tightest of its
 * `equals` criteria on the field (a rule must meet them all), over the rules the widest (any rule
 * may match), and no bound as soon as one rule has no such criterion. Blnk tries every group,
 * so a bound here must never leave out a group a rule accepts.
 */
export function boundingDrifts(rules: readonly MatchingRule[]): WidestDrifts {
  let amount: string | undefined | null = undefined;
  let date: bigint | undefined | null = undefined;
  for (const r of rules) {
    let ra: string | undefined;
    let rd: bigint | undefined;
    for (const c of r.criteria) {
      if (c.operator !== 'equals') continue;
      if (c.field === 'amount' && (ra === undefined || compareDecimals(c.drift, ra) < 0))
        ra = c.drift;
      if (c.field === 'date') {
        const us = secondsToMicros(c.drift);
        if (rd === undefined || us < rd) rd = us;
      }
    }
    amount =
      amount === null || ra === undefined
        ? null
        : amount === undefined || compareDecimals(ra, amount) > 0
          ? ra
          : amount;
    date = date === null || rd === undefined ? null : date === undefined || rd > date ? rd : date;
  }
  const out: WidestDrifts = {};
  if (amount) out.amount = amount;
  if (date !== null && date !== undefined) out.dateMicros = date;
  return out;
}

const divFloor = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));
const divCeil = (a: bigint, b: bigint) => -divFloor(-a, b);
/** Extra decimal places of a group bound: any bound wider than the exact one is safe. */
const BOUND_SCALE = 12;

/**
 * one_to_many's search (reference §8.2, E the external amount, S a group's sum): the sums S with
 * `|E − S| ≤ |S| × drift`, a range around E of [E/(1+d), E/(1−d)] (mirrored when E < 0, open on
 * one side when d = 1), rounded outwards; the exact test is made on each candidate.
 */
export function groupAmountBounds(
  external: string,
  drift: string,
): { amountLow?: string; amountHigh?: string } {
  const e = parseDecimal(external);
  const f = parseDecimal(drift);
  const s = e.scale + BOUND_SCALE;
  const num = e.units * 10n ** BigInt(BOUND_SCALE + f.scale); // E at scale s + f.scale
  const one = 10n ** BigInt(f.scale);
  const near = (den: bigint, up: boolean) =>
    decimalString({ units: up ? divCeil(num, den) : divFloor(num, den), scale: s });
  if (e.units === 0n) return f.units >= one ? {} : { amountLow: '0', amountHigh: '0' };
  const wide = f.units >= one; // d = 1: |E − S| ≤ |S| holds for every S of E's sign past E/2
  if (e.units > 0n) {
    return {
      amountLow: near(one + f.units, false),
      ...(wide ? {} : { amountHigh: near(one - f.units, true) }),
    };
  }
  return {
    amountHigh: near(one + f.units, true),
    ...(wide ? {} : { amountLow: near(one - f.units, false) }),
  };
}
