import {
  amountWithinDrift,
  candidateBounds,
  Comparable,
  criterionMatches,
  fuzzyContains,
  matchingRule,
  MIXED,
  secondsToMicros,
  summarize,
  textEquals,
  widestDrifts,
} from './matching';
import type { Criterion, MatchingRule } from './matching-rule';
import { validateRule } from './matching-rule';
import { checkRow, exactAmount, headerErrors } from './statement';

const c = (field: Criterion['field'], operator: Criterion['operator'], drift = '0'): Criterion => ({
  field,
  operator,
  value: '',
  pattern: '',
  drift,
});
const side = (over: Partial<Comparable> = {}): Comparable => ({
  amount: '100',
  dateMicros: 1_700_000_000_000_000n,
  description: 'Invoice 42',
  reference: 'ref-1',
  currency: 'USD',
  ...over,
});
const rule = (id: string, ...criteria: Criterion[]): MatchingRule => ({
  ruleId: id,
  name: id,
  description: '',
  criteria,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

describe('amount drift (a fraction of the internal amount, bounds inclusive, exact)', () => {
  it.each([
    ['101', '100', '0.01', true], // exactly 1%
    ['101.000000000000000001', '100', '0.01', false], // just past it
    ['99', '100', '0.01', true],
    ['98.99', '100', '0.01', false],
    ['100', '100', '0', true], // zero drift: equal only
    ['100.01', '100', '0', false],
    ['-101', '-100', '0.01', true], // negative amounts: |I|
    ['0', '0', '0.5', true],
    ['0.01', '0', '0.5', false], // |I| = 0 allows nothing
    [
      '123456789012345678901234567890.01',
      '123456789012345678901234567890',
      '0.000000000000000000000000000001',
      true,
    ],
  ])('|%s − %s| ≤ |I|·%s is %s', (e, i, d, want) => {
    expect(amountWithinDrift(e, i, d)).toBe(want);
  });

  it('is a fraction, not a percentage: drift 1 allows 100%', () => {
    expect(amountWithinDrift('200', '100', '1')).toBe(true);
    expect(amountWithinDrift('200.01', '100', '1')).toBe(false);
  });
});

describe('date drift (seconds, fractions allowed, inclusive)', () => {
  const i = side();
  it.each([
    [86_400_000_000n, '86400', true],
    [86_400_000_001n, '86400', false],
    [-86_400_000_000n, '86400', true],
    [500_000n, '0.5', true],
    [500_001n, '0.5', false],
    [0n, '0', true],
    [1n, '0', false],
  ])('a difference of %s µs within %s s is %s', (diff, drift, want) => {
    expect(
      criterionMatches(c('date', 'equals', drift), side({ dateMicros: i.dateMicros + diff }), i),
    ).toBe(want);
  });
  it('greater_than is after, less_than before (strict)', () => {
    const later = side({ dateMicros: i.dateMicros + 1n });
    expect(criterionMatches(c('date', 'greater_than'), later, i)).toBe(true);
    expect(criterionMatches(c('date', 'greater_than'), i, i)).toBe(false);
    expect(criterionMatches(c('date', 'less_than'), i, later)).toBe(true);
  });
  it('seconds to microseconds rounds down', () => {
    expect(secondsToMicros('0.0000015')).toBe(1n);
  });
});

describe('text (percentage drift for contains, " | " parts for equals)', () => {
  it('equals is case-insensitive against any " | " part of the internal value', () => {
    expect(textEquals('salary', 'Rent | SALARY')).toBe(true);
    expect(textEquals('sal', 'Rent | SALARY')).toBe(false);
  });
  it('contains: either holds the other, else Levenshtein ≤ floor(maxLen × drift / 100)', () => {
    expect(fuzzyContains('ACME', 'Invoice acme ltd', '0')).toBe(true);
    expect(fuzzyContains('Invoice acme ltd', 'ACME', '0')).toBe(true);
    // 10 characters, 20% = 2 edits
    expect(fuzzyContains('abcdefghij', 'abcdefgzzj', '20')).toBe(true);
    expect(fuzzyContains('abcdefghij', 'abcdezgzzj', '20')).toBe(false);
    // 19.99% of 10 = 1.999: one edit only
    expect(fuzzyContains('abcdefghij', 'abcdefgzzj', '19.99')).toBe(false);
    expect(fuzzyContains('abcdefghij', 'abcdefghiz', '0')).toBe(false);
  });
  it('greater_than and less_than never match text', () => {
    expect(criterionMatches(c('reference', 'greater_than'), side(), side())).toBe(false);
  });
  it('currency MIXED always matches', () => {
    expect(
      criterionMatches(
        c('currency', 'equals'),
        side({ currency: 'EUR' }),
        side({ currency: MIXED }),
      ),
    ).toBe(true);
    expect(criterionMatches(c('currency', 'equals'), side({ currency: 'EUR' }), side())).toBe(
      false,
    );
  });
});

describe('rules', () => {
  it('a rule matches when all its criteria do; the first matching rule of the list wins', () => {
    const strict = rule('strict', c('amount', 'equals'), c('reference', 'equals'));
    const loose = rule('loose', c('amount', 'equals', '0.1'));
    expect(matchingRule([strict, loose], side({ amount: '105' }), side())?.ruleId).toBe('loose');
    expect(matchingRule([strict, loose], side(), side())?.ruleId).toBe('strict');
    expect(matchingRule([strict], side({ reference: 'x' }), side())).toBeUndefined();
  });
  it('candidate bounds: the widest amount and date drifts of the rules, from the external row', () => {
    const d = widestDrifts([
      rule('a', c('amount', 'equals', '0.01'), c('date', 'equals', '60')),
      rule('b', c('amount', 'equals', '0.05'), c('amount', 'greater_than', '0.9')),
    ]);
    expect(d).toEqual({ amount: '0.05', dateMicros: 60_000_000n });
    const b = candidateBounds(side({ amount: '-200' }), d);
    expect(b.amountLow).toBe('-210.00');
    expect(b.amountHigh).toBe('-190.00');
    expect(b.dateHighMicros! - b.dateLowMicros!).toBe(120_000_000n);
    expect(
      candidateBounds(side(), widestDrifts([rule('t', c('description', 'contains', '10'))])),
    ).toEqual({});
  });
  it('validation refuses with Blnk messages', () => {
    expect(() => validateRule({ criteria: [] })).toThrow('rule name is required');
    expect(() =>
      validateRule({
        name: 'x',
        criteria: [{ field: 'amount', operator: 'equals', allowable_drift: 1.01 }],
      }),
    ).toThrow('drift for amount must be between 0 and 1');
    expect(
      validateRule({
        name: 'x',
        criteria: [{ field: 'amount', operator: 'equals', allowable_drift: 0.1 }],
      }).criteria[0].drift,
    ).toBe('0.1');
  });
  it('a group sums exactly, takes the earliest date, joins texts, and is MIXED with several currencies', () => {
    const g = summarize([
      side({ amount: '0.1', dateMicros: 5n, description: 'a' }),
      side({ amount: '0.2', dateMicros: 3n, description: 'b', currency: 'EUR' }),
    ]);
    expect(g).toMatchObject({
      amount: '0.3',
      dateMicros: 3n,
      description: 'a | b',
      currency: MIXED,
    });
  });
});

describe('statement rows', () => {
  it('header needs id, amount, date (trimmed, any case)', () => {
    expect(headerErrors([' ID ', 'Amount', 'DATE'])).toEqual([]);
    expect(headerErrors(['id', 'amount']).map((e) => e.column)).toEqual(['date']);
  });
  it('amounts are exact decimals; anything else refused', () => {
    expect(exactAmount('0012.500')).toBe('12.5');
    expect(exactAmount('-0.0')).toBe('0');
    expect(exactAmount(12.34)).toBe('12.34');
    expect(exactAmount('1e3')).toBeUndefined();
    expect(exactAmount('12,5')).toBeUndefined();
  });
  it('a row with an empty field, a bad amount or a bad date names each', () => {
    const row = checkRow(
      {
        id: 'x',
        amount: 'ten',
        currency: '',
        reference: 'r',
        description: 'd',
        date: '2024-02-30T00:00:00Z',
      },
      4,
    );
    expect(Array.isArray(row) && row.map((e) => e.column)).toEqual(['currency', 'amount', 'date']);
  });
});
