import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatFloat } from '@libs/core/decimal';
import { resolveAmounts } from './amounts';
import { transactionHash } from './hash';

interface HashVector {
  amount: number;
  amount_formatted: string;
  reference: string;
  currency: string;
  source: string;
  destination: string;
  hash: string;
}
interface PrecisionVector {
  amount: number;
  precision: number;
  precise_amount: number;
}

// The shared reference beside the repository is the source of truth; test/fixtures holds a copy
// for checkouts without it.
const shared = join(__dirname, '../../../../../shared/reference/vectors.json');
const vectors = JSON.parse(
  readFileSync(
    existsSync(shared) ? shared : join(__dirname, '../../../../test/fixtures/vectors.json'),
    'utf8',
  ),
) as { hash: HashVector[]; precision: PrecisionVector[] };

describe('golden vectors: hash', () => {
  it.each(vectors.hash)('amount $amount_formatted', (v) => {
    expect(formatFloat(v.amount)).toBe(v.amount_formatted);
    // The engine keeps amounts as exact decimals; the hash converts through the float.
    expect(
      transactionHash(v.amount_formatted, v.reference, v.currency, v.source, v.destination),
    ).toBe(v.hash);
  });
});

describe('golden vectors: precision', () => {
  it.each(vectors.precision)('$amount × $precision', (v) => {
    const r = resolveAmounts({ amount: v.amount, precision: BigInt(v.precision) });
    expect(r.preciseAmount).toBe(BigInt(v.precise_amount));
  });
});
