import { parseDob } from './identity';

describe('parseDob is strict in every field, not only the date', () => {
  it.each([
    '1990-02-03T25:00:00Z',
    '1990-02-03T24:00:00Z',
    '1990-02-03T23:60:00Z',
    '1990-02-03T23:59:60Z',
    '1990-02-03T10:00:00+24:00',
    '1990-02-03T10:00:00+0160',
    '1990-02-29T00:00:00Z',
    '1990-04-31',
    '1990-13-01',
    '0000-01-01',
  ])('refuses %s', (bad) => {
    expect(() => parseDob(bad)).toThrow(expect.objectContaining({ code: 'IDT_VALIDATION_ERROR' }));
  });

  it('keeps the formats it took before', () => {
    expect(parseDob('1992-02-29T23:59:59.999999999-12:00')).toBe('1992-02-29');
    expect(parseDob('2000-02-29 00:00:00z')).toBe('2000-02-29');
    expect(parseDob('1990-05-17t01:00:00+0200')).toBe('1990-05-17');
    expect(parseDob(' 1990-05-17 ')).toBe('1990-05-17');
  });
});
