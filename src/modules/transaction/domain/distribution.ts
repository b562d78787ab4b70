import { Decimal, parseDecimal, scaleAndTruncate } from '@libs/core/decimal';
import { DomainError } from '@libs/core/domain-error';
import type { DistributionInput } from './record-request';

/** One leg of a split: the share of the total that one identifier receives (or gives). */
export interface Leg {
  identifier: string;
  preciseAmount: bigint;
  /** Position in the request's list, 0-based. */
  position: number;
}

type Share =
  { kind: 'left' } | { kind: 'fixed'; minor: bigint } | { kind: 'percent'; pct: Decimal };

const PERCENT_RE = /^(\d+(?:\.\d+)?)%$/;
const DECIMAL_RE = /^\d+(?:\.\d+)?$/;
const INTEGER_RE = /^\d+$/;

export const splitError = (reason: string) =>
  new DomainError('TXN_VALIDATION_ERROR', `failed to split transaction: ${reason}`);

function parseShare(d: DistributionInput, precision: bigint): Share {
  const precise = d.preciseDistribution?.trim();
  const dist = d.distribution?.trim();
  if (precise && dist) {
    throw splitError(`${d.identifier}: give either distribution or precise_distribution, not both`);
  }
  if (precise) {
    if (precise === 'left') return { kind: 'left' };
    if (INTEGER_RE.test(precise)) return { kind: 'fixed', minor: BigInt(precise) };
    throw splitError(`${d.identifier}: precise_distribution must be an integer or "left"`);
  }
  if (!dist) throw splitError(`${d.identifier}: distribution or precise_distribution is required`);
  if (dist === 'left') return { kind: 'left' };
  const pct = PERCENT_RE.exec(dist);
  if (pct) return { kind: 'percent', pct: parseDecimal(pct[1]) };
  // A fixed amount in major units; a fraction finer than the precision is truncated.
  if (DECIMAL_RE.test(dist))
    return { kind: 'fixed', minor: scaleAndTruncate(parseDecimal(dist), precision) };
  throw splitError(
    `${d.identifier}: invalid distribution "${dist}" (use "NN%", an amount, or "left")`,
  );
}

/**
 * Splits `total` minor units over the distributions (reference §5.8) with a deterministic
 * remainder rule, so the legs always sum to the total exactly:
 * fixed amounts first in list order, then percentages truncated toward zero, then the first
 * `left` leg takes what is left; without a `left` leg any difference goes to the largest leg,
 * and among equal largest legs to the one listed first (Blnk picks by map order).
 * Duplicate identifiers are refused (Blnk silently merges them into one leg).
 * @throws DomainError TXN_VALIDATION_ERROR with the §5.8 messages.
 */
export function splitAmount(
  total: bigint,
  precision: bigint,
  distributions: DistributionInput[],
): Leg[] {
  if (!distributions.length) throw splitError('at least one distribution is required');
  const seen = new Set<string>();
  for (const d of distributions) {
    if (!d.identifier?.trim()) throw splitError('every distribution needs an identifier');
    if (seen.has(d.identifier))
      throw splitError(`identifier ${d.identifier} appears more than once`);
    seen.add(d.identifier);
  }
  const shares = distributions.map((d) => parseShare(d, precision));
  const legs: Leg[] = distributions.map((d, position) => ({
    identifier: d.identifier,
    preciseAmount: 0n,
    position,
  }));
  if (total <= 0n) return legs;
  if (total === 1n) {
    legs[0].preciseAmount = 1n;
    return legs;
  }

  let remaining = total;
  shares.forEach((s, i) => {
    if (s.kind !== 'fixed' || s.minor === 0n) return;
    if (s.minor > remaining) throw splitError('fixed amount exceeds remaining transaction amount');
    legs[i].preciseAmount = s.minor;
    remaining -= s.minor;
  });

  // Percentages are summed exactly (as units at a common scale) before anything is truncated.
  const maxScale = Math.max(0, ...shares.map((s) => (s.kind === 'percent' ? s.pct.scale : 0)));
  let pctUnits = 0n;
  shares.forEach((s, i) => {
    if (s.kind !== 'percent') return;
    pctUnits += s.pct.units * 10n ** BigInt(maxScale - s.pct.scale);
    legs[i].preciseAmount = (total * s.pct.units) / (100n * 10n ** BigInt(s.pct.scale));
  });
  const percentTotal = legs.reduce(
    (sum, l, i) => (shares[i].kind === 'percent' ? sum + l.preciseAmount : sum),
    0n,
  );
  if (pctUnits > 100n * 10n ** BigInt(maxScale) || percentTotal > remaining) {
    throw splitError('total distributions exceed 100% or total amount');
  }
  remaining -= percentTotal;

  const left = shares.findIndex((s) => s.kind === 'left');
  if (left >= 0) {
    legs[left].preciseAmount = remaining;
  } else if (remaining > 0n) {
    let largest = 0;
    for (let i = 1; i < legs.length; i++)
      if (legs[i].preciseAmount > legs[largest].preciseAmount) largest = i;
    legs[largest].preciseAmount += remaining;
  }
  return legs;
}
