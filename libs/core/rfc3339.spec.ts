import { isCalendarDate, isClockTime, parseRfc3339, zoneOffsetMinutes } from './rfc3339';

describe('strict RFC 3339 parsing', () => {
  it.each([
    ['2027-02-28T10:00:00Z', '2027-02-28T10:00:00.000Z'],
    ['2028-02-29T10:00:00Z', '2028-02-29T10:00:00.000Z'],
    ['2000-02-29T23:59:59Z', '2000-02-29T23:59:59.000Z'],
    ['2024-04-22T15:28:03+00:00', '2024-04-22T15:28:03.000Z'],
    ['2024-04-22T15:28:03+05:30', '2024-04-22T09:58:03.000Z'],
    ['2024-04-22T00:10:00-02:00', '2024-04-22T02:10:00.000Z'],
    ['2024-11-26T09:33:35.265582042Z', '2024-11-26T09:33:35.265Z'],
    ['2024-11-26T09:33:35.5Z', '2024-11-26T09:33:35.500Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['0099-06-01T00:00:00Z', '0099-06-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59Z', '9999-12-31T23:59:59.000Z'],
  ])('accepts %s', (text, iso) => {
    expect(parseRfc3339(text)?.toISOString()).toBe(iso);
  });

  it.each([
    '2027-02-30T10:00:00Z', // no February 30th
    '2027-02-29T10:00:00Z', // not a leap year
    '1900-02-29T10:00:00Z', // centuries are not leap years unless divisible by 400
    '2027-04-31T10:00:00Z',
    '2027-13-01T10:00:00Z',
    '2027-00-10T10:00:00Z',
    '2027-01-00T10:00:00Z',
    '2027-01-01T24:00:00Z',
    '2027-01-01T23:60:00Z',
    '2027-01-01T23:59:60Z', // Go refuses leap seconds too
    '2027-01-01T10:00:00+24:00',
    '2027-01-01T10:00:00+01:60',
    '0000-01-01T00:00:00Z', // PostgreSQL has no year 0
    '2027-01-01', // date only
    '2027-01-01T10:00:00', // no zone
    '2027-01-01T10:00Z', // no seconds
    '2027-01-01 10:00:00Z',
    '2027-01-01t10:00:00z',
    '2027-01-01T10:00:00.Z',
    '2027-1-01T10:00:00Z',
    '+2027-01-01T10:00:00Z',
    ' 2027-01-01T10:00:00Z',
    '',
  ])('refuses %j', (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });

  it('checks the fields one by one', () => {
    expect(isCalendarDate(2024, 2, 29)).toBe(true);
    expect(isCalendarDate(2023, 2, 29)).toBe(false);
    expect(isCalendarDate(2400, 2, 29)).toBe(true);
    expect(isCalendarDate(2024, 6, 31)).toBe(false);
    expect(isClockTime(23, 59, 59)).toBe(true);
    expect(isClockTime(24, 0, 0)).toBe(false);
    expect(zoneOffsetMinutes('Z')).toBe(0);
    expect(zoneOffsetMinutes('-05:30')).toBe(-330);
    expect(zoneOffsetMinutes('+0200')).toBe(120);
    expect(zoneOffsetMinutes('+23:59')).toBe(1439);
    expect(zoneOffsetMinutes('+24:00')).toBeUndefined();
    expect(zoneOffsetMinutes('+1:00')).toBeUndefined();
  });
});
