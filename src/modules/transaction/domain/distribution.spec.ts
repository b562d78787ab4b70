import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { DistributionInput } from './record-request';
import { splitAmount } from './distribution';

interface SplitVector {
  total_precise: number;
  precision: number;
  distributions: { identifier: string; distribution?: string; precise_distribution?: string }[];
  legs: Record<string, number>;
}
const shared = join(__dirname, '../../../../../shared/reference/vectors.json');
const vectors = JSON.parse(
  readFileSync(
    existsSync(shared) ? shared : join(__dirname, '../../../../test/fixtures/vectors.json'),
    'utf8',
  ),
) as { splits: SplitVector[] };

const toInput = (d: SplitVector['distributions'][number]): DistributionInput => ({
  identifier: d.identifier,
  distribution: d.distribution,
  preciseDistribution: d.precise_distribution,
});

describe('golden vectors: splits', () => {
  it.each(vectors.splits.map((v, i) => [i, v] as const))('vector %i', (_i, v) => {
    const legs = splitAmount(
      BigInt(v.total_precise),
      BigInt(v.precision),
      v.distributions.map(toInput),
    );
    expect(Object.fromEntries(legs.map((l) => [l.identifier, Number(l.preciseAmount)]))).toEqual(
      v.legs,
    );
  });
});

describe('splitAmount', () => {
  it('2.5 as 50% / 45% / left is 125 / 112 / 13 (Blnk bug #73 does not happen)', () => {
    const legs = splitAmount(250n, 100n, [
      { identifier: 'a', distribution: '50%' },
      { identifier: 'b', distribution: '45%' },
      { identifier: 'c', distribution: 'left' },
    ]);
    expect(legs.map((l) => l.preciseAmount)).toEqual([125n, 112n, 13n]);
  });

  it.each<[string, DistributionInput[], string]>([
    [
      'fixed over the total',
      [
        { identifier: 'a', distribution: '200' },
        { identifier: 'b', distribution: 'left' },
      ],
      'fixed amount exceeds remaining transaction amount',
    ],
    [
      'percentages over 100',
      [
        { identifier: 'a', distribution: '60%' },
        { identifier: 'b', distribution: '50%' },
      ],
      'total distributions exceed 100% or total amount',
    ],
    [
      'fixed plus percent over the total',
      [
        { identifier: 'a', distribution: '50' },
        { identifier: 'b', distribution: '60%' },
      ],
      'total distributions exceed 100% or total amount',
    ],
    ['garbage', [{ identifier: 'a', distribution: 'lots' }], 'invalid distribution'],
    ['both kinds', [{ identifier: 'a', distribution: '5', preciseDistribution: '5' }], 'not both'],
    ['neither', [{ identifier: 'a' }], 'is required'],
    [
      'duplicate identifier',
      [
        { identifier: 'a', distribution: '50%' },
        { identifier: 'a', distribution: 'left' },
      ],
      'more than once',
    ],
    ['empty', [], 'at least one'],
  ])('refuses %s', (_n, dists, message) => {
    expect(() => splitAmount(10000n, 100n, dists)).toThrow(message);
    try {
      splitAmount(10000n, 100n, dists);
    } catch (e) {
      expect((e as { code: string }).code).toBe('TXN_VALIDATION_ERROR');
    }
  });

  it('gives a tie to the first listed leg', () => {
    const legs = splitAmount(100n, 1n, [
      { identifier: 'a', distribution: '33%' },
      { identifier: 'b', distribution: '33%' },
      { identifier: 'c', distribution: '33%' },
    ]);
    expect(legs.map((l) => l.preciseAmount)).toEqual([34n, 33n, 33n]);
  });

  it('property: legs are never negative and always sum to the total, whatever the mix', () => {
    const share = fc.oneof(
      fc.integer({ min: 0, max: 10000 }).map((bp) => ({
        distribution: `${Math.floor(bp / 100)}.${String(bp % 100).padStart(2, '0')}%`,
      })),
      fc.bigInt({ min: 0n, max: 10n ** 6n }).map((n) => ({ preciseDistribution: n.toString() })),
      fc.integer({ min: 0, max: 99999 }).map((n) => ({
        distribution: `${Math.floor(n / 100)}.${String(n % 100).padStart(2, '0')}`,
      })),
      fc.constant({ distribution: 'left' }),
    );
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 24n }),
        fc.array(share, { minLength: 1, maxLength: 8 }),
        (total, specs) => {
          const dists = specs.map((s, i) => ({ identifier: `id${i}`, ...s }));
          let legs;
          try {
            legs = splitAmount(total, 100n, dists);
          } catch (e) {
            expect((e as { code: string }).code).toBe('TXN_VALIDATION_ERROR');
            return;
          }
          expect(legs.reduce((s, l) => s + l.preciseAmount, 0n)).toBe(total);
          for (const l of legs) expect(l.preciseAmount >= 0n).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
