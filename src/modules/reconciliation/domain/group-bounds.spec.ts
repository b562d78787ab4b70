import fc from 'fast-check';
import {
  amountWithinDrift,
  boundingDrifts,
  compareDecimals,
  decimalString,
  groupAmountBounds,
} from './matching';
import type { Criterion, MatchingRule } from './matching-rule';

const c = (
  field: Criterion['field'],
  drift: string,
  operator: Criterion['operator'] = 'equals',
) => ({
  field,
  operator,
  value: '',
  pattern: '',
  drift,
});
const rule = (...criteria: Criterion[]): MatchingRule => ({
  ruleId: 'r',
  name: 'r',
  description: '',
  criteria,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

describe('boundingDrifts: a bound for group searches that never leaves a match out', () => {
  it('per rule the tightest, over rules the widest', () => {
    expect(
      boundingDrifts([
        rule(c('amount', '0.05'), c('amount', '0.01'), c('date', '60')),
        rule(c('amount', '0.02'), c('date', '30'), c('date', '90')),
      ]),
    ).toEqual({ amount: '0.02', dateMicros: 60_000_000n });
  });
  it('no bound when a rule has no such criterion (that rule accepts any amount or date)', () => {
    expect(boundingDrifts([rule(c('amount', '0.01')), rule(c('reference', '0'))])).toEqual({});
    expect(boundingDrifts([rule(c('amount', '0.01', 'greater_than'))])).toEqual({});
  });
  it('zero drift is a bound', () => {
    expect(boundingDrifts([rule(c('amount', '0'), c('date', '0'))])).toEqual({
      amount: '0',
      dateMicros: 0n,
    });
  });
});

describe('groupAmountBounds: the sums S with |E − S| ≤ |S|·d', () => {
  it.each([
    ['100', '0', '100', '100'],
    ['100', '0.5', '66.666666666666', '200'],
    ['-100', '0.5', '-200', '-66.666666666666'],
    ['0', '0.5', '0', '0'],
  ])('E %s, d %s: [%s, %s] (rounded outwards)', (e, d, lo, hi) => {
    const b = groupAmountBounds(e, d);
    expect(compareDecimals(b.amountLow!, lo)).toBeLessThanOrEqual(0);
    expect(compareDecimals(b.amountHigh!, hi)).toBeGreaterThanOrEqual(0);
  });
  it('d = 1 leaves one side open', () => {
    expect(groupAmountBounds('100', '1')).toEqual({ amountLow: '50.000000000000' });
    expect(groupAmountBounds('-100', '1')).toEqual({ amountHigh: '-50.000000000000' });
    expect(groupAmountBounds('0', '1')).toEqual({});
  });
  it('every sum that matches is inside the bounds (property)', () => {
    const dec = fc
      .tuple(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.integer({ min: 0, max: 4 }))
      .map(([units, scale]) => decimalString({ units, scale }));
    const drift = fc
      .integer({ min: 0, max: 10000 })
      .map((n) => decimalString({ units: BigInt(n), scale: 4 }));
    fc.assert(
      fc.property(dec, dec, drift, (e, s, d) => {
        if (!amountWithinDrift(e, s, d)) return true;
        const b = groupAmountBounds(e, d);
        return (
          (b.amountLow === undefined || compareDecimals(b.amountLow, s) <= 0) &&
          (b.amountHigh === undefined || compareDecimals(b.amountHigh, s) >= 0)
        );
      }),
      { numRuns: 2000 },
    );
  });
});
