import { DomainError } from '@libs/core/domain-error';
import { RecordTransactionInput, validateRecordRequest } from './record-request';

const base: RecordTransactionInput = {
  amount: 10,
  precision: 100,
  currency: 'USD',
  reference: 'ref-1',
  description: 'test',
  source: 'bln_a',
  destination: 'bln_b',
};

const SCHEDULE_MSG =
  "please format the scheduled date as 'YYYY-MM-DDTHH:MM:SS+00:00' (e.g., 2024-04-22T15:28:03+00:00)";

function errorOf(input: RecordTransactionInput): DomainError {
  try {
    validateRecordRequest(input);
  } catch (e) {
    return e as DomainError;
  }
  throw new Error('expected a validation error');
}

describe('validateRecordRequest: dates are strict (reference §5.1, no roll-over)', () => {
  const impossible = [
    '2027-02-30T10:00:00Z',
    '2027-13-01T10:00:00Z',
    '2027-01-01T24:00:00Z',
    '2027-01-01T23:60:00Z',
    '2027-01-01T23:59:60Z',
    '2027-04-31T10:00:00+02:00',
    '2027-01-01T10:00:00+24:00',
  ];

  it.each(impossible)('refuses scheduled_for, expiry and commit date %s', (date) => {
    const e = errorOf({
      ...base,
      scheduledFor: date,
      inflightExpiryDate: date,
      inflightCommitDate: date,
    });
    expect(e.code).toBe('TXN_VALIDATION_ERROR');
    expect(e.legacyKey).toBe('errors');
    expect(e.message).toBe(
      `inflight_commit_date: ${SCHEDULE_MSG}; inflight_expiry_date: ${SCHEDULE_MSG}; ` +
        `scheduled_for: ${SCHEDULE_MSG}.`,
    );
  });

  it.each(impossible)('refuses effective_date %s', (date) => {
    expect(errorOf({ ...base, effectiveDate: date }).message).toBe(
      'effective_date: must be an RFC 3339 date-time.',
    );
  });

  it('refuses an effective_date without a zone (it would be read in local time)', () => {
    expect(errorOf({ ...base, effectiveDate: '2027-01-01T10:00:00' }).code).toBe(
      'TXN_VALIDATION_ERROR',
    );
    expect(errorOf({ ...base, effectiveDate: '2027-01-01' }).code).toBe('TXN_VALIDATION_ERROR');
  });

  it('keeps the accepted formats: fractions, Z and offsets, the last day of February', () => {
    const d = validateRecordRequest({
      ...base,
      scheduledFor: '2028-02-29T23:59:59.123456+01:00',
      inflightExpiryDate: '2027-02-28T10:00:00Z',
      inflightCommitDate: '2027-03-01T00:00:00-00:30',
      effectiveDate: '2024-11-26T09:33:35.265582042Z',
    });
    expect(d.scheduledFor?.toISOString()).toBe('2028-02-29T22:59:59.123Z');
    expect(d.flags.inflightExpiryDate?.toISOString()).toBe('2027-02-28T10:00:00.000Z');
    expect(d.flags.inflightCommitDate?.toISOString()).toBe('2027-03-01T00:30:00.000Z');
    expect(d.effectiveDate?.toISOString()).toBe('2024-11-26T09:33:35.265Z');
  });
});

describe('validateRecordRequest: precision is any number that is an integer exactly', () => {
  it('takes 1e18 (a float) as it takes the written-out integer (a bigint)', () => {
    const float = validateRecordRequest({ ...base, amount: 1, precision: 1e18 });
    const big = validateRecordRequest({ ...base, amount: 1, precision: 10n ** 18n });
    expect(float.precision).toBe(10n ** 18n);
    expect(float.preciseAmount).toBe(10n ** 18n);
    expect(big.precision).toBe(float.precision);
    expect(validateRecordRequest({ ...base, precision: 1e2 }).precision).toBe(100n);
  });

  it('refuses a float beyond 2^53 that is not the integer its digits say (1e30)', () => {
    // The double nearest 1e30 is 1000000000000000019884624838656: taking it would be a guess.
    const e = errorOf({ ...base, precision: 1e30 });
    expect(e.code).toBe('TXN_VALIDATION_ERROR');
    expect(e.message).toMatch(/^precision: /);
  });

  it('keeps TXN_PRECISION_NOT_INTEGER for a fraction', () => {
    const e = errorOf({ ...base, precision: 100.5 });
    expect(e.code).toBe('TXN_PRECISION_NOT_INTEGER');
    expect(e.message).toBe('precision must be an integer value');
    expect(e.legacyKey).toBe('error');
  });

  it('refuses a precision of more than 80 digits', () => {
    expect(errorOf({ ...base, precision: 10n ** 80n }).message).toBe(
      'precision: precision must have at most 80 digits.',
    );
    expect(validateRecordRequest({ ...base, precision: 10n ** 79n }).precision).toBe(10n ** 79n);
  });

  it('reads -0 as 0, that is 1', () => {
    expect(validateRecordRequest({ ...base, precision: -0 }).precision).toBe(1n);
  });
});
