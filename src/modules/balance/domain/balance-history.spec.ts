import {
  dailyRunIsDue,
  nextDailyRun,
  parseFromSource,
  parseHistoryTimestamp,
  parseSnapshotBatchSize,
  parseTimeOfDay,
} from './balance-history';

describe('historical balance inputs (reference §2.3)', () => {
  const now = new Date('2026-03-04T05:06:07.890Z');

  it('reads an absent or empty timestamp as now', () => {
    expect(parseHistoryTimestamp(undefined, now)).toEqual({
      shown: '2026-03-04T05:06:07.890Z',
      text: '2026-03-04T05:06:07.890Z',
    });
    expect(parseHistoryTimestamp('', new Date('2026-03-04T05:06:07Z')).shown).toBe(
      '2026-03-04T05:06:07Z',
    );
  });

  it('shows the text as sent; gives the database the instant in UTC, cut to microseconds', () => {
    expect(parseHistoryTimestamp('2024-01-01T15:04:05+02:00', now)).toEqual({
      shown: '2024-01-01T15:04:05+02:00',
      text: '2024-01-01T13:04:05.000000Z',
    });
    expect(parseHistoryTimestamp('2024-01-01T15:04:05.123456789Z', now).text).toBe(
      '2024-01-01T15:04:05.123456Z',
    );
    // Offsets Go takes and PostgreSQL refuses (past ±15:59), and what they move out of 1-9999.
    expect(parseHistoryTimestamp('2024-01-01T00:00:00.9999999+23:59', now).text).toBe(
      '2023-12-31T00:01:00.999999Z',
    );
    expect(parseHistoryTimestamp('0001-01-01T00:00:00+00:01', now).text).toBe('-infinity');
    expect(parseHistoryTimestamp('9999-12-31T23:59:59-00:01', now).text).toBe('infinity');
    expect(parseHistoryTimestamp('0001-01-01T00:00:00Z', now).text).toBe(
      '0001-01-01T00:00:00.000000Z',
    );
  });

  it.each([
    'yesterday',
    '2024-01-01',
    '2024-01-01T00:00:00',
    '2024-02-30T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '0000-01-01T00:00:00Z',
    'null',
  ])('refuses %s with BAL_INVALID_TIMESTAMP', (raw) => {
    expect(() => parseHistoryTimestamp(raw, now)).toThrow(
      expect.objectContaining({ code: 'BAL_INVALID_TIMESTAMP' }),
    );
  });

  it('refuses a repeated or non-text timestamp', () => {
    for (const raw of [['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z'], 5, null]) {
      expect(() => parseHistoryTimestamp(raw, now)).toThrow(
        expect.objectContaining({ code: 'BAL_INVALID_TIMESTAMP' }),
      );
    }
  });

  it('reads from_source true or 1 only', () => {
    expect(['true', '1'].map(parseFromSource)).toEqual([true, true]);
    expect(['false', '0', 'TRUE', '', undefined, ['true']].map(parseFromSource)).toEqual(
      Array(6).fill(false),
    );
  });

  it('takes a batch size of 1 to 10000, 1000 by default', () => {
    expect(parseSnapshotBatchSize(undefined)).toBe(1000);
    expect(parseSnapshotBatchSize('')).toBe(1000);
    expect(parseSnapshotBatchSize('1')).toBe(1);
    expect(parseSnapshotBatchSize('10000')).toBe(10000);
    for (const bad of ['0', '10001', '-1', '1.5', 'abc', '1e3', ['5'], '9999999']) {
      expect(() => parseSnapshotBatchSize(bad)).toThrow(
        expect.objectContaining({ code: 'GEN_VALIDATION_ERROR' }),
      );
    }
  });
});

describe('the daily snapshot time', () => {
  it('reads HH:MM in UTC', () => {
    expect(parseTimeOfDay('00:05')).toBe(5);
    expect(parseTimeOfDay('23:59')).toBe(23 * 60 + 59);
    for (const bad of ['24:00', '7:00', '12:60', '12', 'noon', '']) {
      expect(parseTimeOfDay(bad)).toBeUndefined();
    }
  });

  it('is next today while it has not passed, else tomorrow', () => {
    expect(nextDailyRun(new Date('2026-03-04T00:04:59Z'), 5).toISOString()).toBe(
      '2026-03-04T00:05:00.000Z',
    );
    expect(nextDailyRun(new Date('2026-03-04T00:05:00Z'), 5).toISOString()).toBe(
      '2026-03-05T00:05:00.000Z',
    );
    expect(nextDailyRun(new Date('2026-12-31T23:59:00Z'), 5).toISOString()).toBe(
      '2027-01-01T00:05:00.000Z',
    );
    expect(dailyRunIsDue(new Date('2026-03-04T00:04:59Z'), 5)).toBe(false);
    expect(dailyRunIsDue(new Date('2026-03-04T00:05:00Z'), 5)).toBe(true);
  });
});
