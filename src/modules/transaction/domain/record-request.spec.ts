import { DomainError } from '@libs/core/domain-error';
import { MAX_SPLIT_LEGS, RecordTransactionInput, validateRecordRequest } from './record-request';

const base: RecordTransactionInput = {
  amount: 10,
  precision: 100,
  currency: 'USD',
  reference: 'ref-1',
  description: 'test',
  source: 'bln_a',
  destination: 'bln_b',
};

function errorOf(input: RecordTransactionInput): DomainError {
  try {
    validateRecordRequest(input);
  } catch (e) {
    return e as DomainError;
  }
  throw new Error('expected a validation error');
}

describe('validateRecordRequest', () => {
  it('resolves amount × precision, and keeps flags as flags (never in meta_data)', () => {
    const d = validateRecordRequest({
      ...base,
      amount: 1.005,
      inflight: true,
      allowOverdraft: true,
    });
    expect(d.preciseAmount).toBe(101n);
    expect(d.amount).toBe('1.005');
    expect(d.flags).toMatchObject({ inflight: true, allowOverdraft: true });
    expect(d.metaData).toBeNull();
  });

  it('derives the exact major amount from precise_amount', () => {
    const d = validateRecordRequest({
      ...base,
      amount: undefined,
      preciseAmount: 123456789012345678901n,
    });
    expect(d.amount).toBe('1234567890123456789.01');
    expect(d.flags.amountString).toBe('1234567890123456789.01');
  });

  it('treats precision 0 or absent as 1', () => {
    expect(validateRecordRequest({ ...base, precision: 0 }).precision).toBe(1n);
    expect(validateRecordRequest({ ...base, precision: undefined }).precision).toBe(1n);
  });

  it.each<[string, Partial<RecordTransactionInput>, string]>([
    [
      'both amounts',
      { preciseAmount: 5n },
      'amount: either amount or precise_amount should be provided, not both',
    ],
    ['no amount', { amount: undefined }, 'amount: either amount or precise_amount is required'],
    ['negative amount', { amount: -1 }, 'amount: amount cannot be negative'],
    [
      '16 digits',
      { amount: 1234567890.123456 },
      'amount: amount has more than 15 significant digits',
    ],
    [
      'huge integer amount',
      { amount: 10n ** 30n },
      'amount: amount has more than 15 significant digits',
    ],
    [
      'negative precise',
      { amount: undefined, preciseAmount: -1n },
      'precise_amount: precise_amount cannot be negative',
    ],
    ['negative precision', { precision: -100 }, 'precision: precision cannot be negative'],
    ['blank currency', { currency: ' ' }, 'currency: cannot be blank'],
    ['blank reference', { reference: '' }, 'reference: cannot be blank'],
    ['no description', { description: undefined }, 'description: cannot be blank'],
    ['no source', { source: undefined }, 'source: either source or sources is required, not both'],
    [
      'source and sources',
      { sources: [{ identifier: 'x', distribution: 'left' }] },
      'source: either source or sources',
    ],
    [
      'same balance',
      { destination: 'bln_a' },
      'destination: source and destination cannot be the same balance',
    ],
    [
      'date only',
      { scheduledFor: '2024-01-01' },
      'scheduled_for: please format the scheduled date',
    ],
    [
      'no zone',
      { inflightExpiryDate: '2024-01-01T10:00:00' },
      'inflight_expiry_date: please format',
    ],
    [
      'overdraft limit below one minor unit',
      { overdraftLimit: 0.001 },
      'overdraft_limit: overdraft_limit is less than one minor unit',
    ],
    [
      'negative overdraft limit',
      { overdraftLimit: -5 },
      'overdraft_limit: overdraft_limit cannot be negative',
    ],
  ])('%s', (_name, patch, message) => {
    const e = errorOf({ ...base, ...patch });
    expect(e.code).toBe('TXN_VALIDATION_ERROR');
    expect(e.legacyKey).toBe('errors');
    expect(e.message).toContain(message);
  });

  it('reports every broken rule at once, sorted by field', () => {
    const e = errorOf({ ...base, currency: '', reference: '', description: '' });
    expect(e.message).toBe(
      'currency: cannot be blank; description: cannot be blank; reference: cannot be blank.',
    );
  });

  it('refuses a fractional precision with its own code', () => {
    const e = errorOf({ ...base, precision: 100.5 });
    expect(e.code).toBe('TXN_PRECISION_NOT_INTEGER');
    expect(e.legacyKey).toBe('error');
  });

  it('accepts fractional seconds and offsets in dates', () => {
    const d = validateRecordRequest({
      ...base,
      inflightExpiryDate: '2030-04-22T15:28:03.123+02:00',
    });
    expect(d.flags.inflightExpiryDate?.toISOString()).toBe('2030-04-22T13:28:03.123Z');
  });

  it(`refuses a split of more than MAX_SPLIT_LEGS (${MAX_SPLIT_LEGS}) legs, and takes that many`, () => {
    const legs = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ identifier: `bln_${i}`, distribution: 'left' }));
    const split = (n: number): RecordTransactionInput => ({
      ...base,
      source: 'bln_src',
      destination: undefined,
      destinations: legs(n),
    });
    expect(errorOf(split(MAX_SPLIT_LEGS + 1)).message).toContain(
      `destinations: a split has at most ${MAX_SPLIT_LEGS} destinations (got ${MAX_SPLIT_LEGS + 1})`,
    );
    expect(validateRecordRequest(split(MAX_SPLIT_LEGS)).destinations).toHaveLength(MAX_SPLIT_LEGS);
    const sources = {
      ...base,
      source: undefined,
      destination: 'bln_dst',
      sources: legs(MAX_SPLIT_LEGS + 1),
    };
    expect(errorOf(sources).message).toContain(`sources: a split has at most ${MAX_SPLIT_LEGS}`);
  });
});
