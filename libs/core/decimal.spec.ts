import {
  divideToDecimalString,
  formatFloat,
  parseDecimal,
  scaleAndRound,
  significantDigits,
} from './decimal';

describe('formatFloat (Go FormatFloat f, -1)', () => {
  it.each([
    [100, '100'],
    [1250.34, '1250.34'],
    [0, '0'],
    [-0, '0'],
    [0.1, '0.1'],
    [1e21, '1000000000000000000000'],
    [1.5e-7, '0.00000015'],
    [1.2345e25, '12345000000000000000000000'],
    [-2.5e-8, '-0.000000025'],
  ])('%p → %s', (x, s) => expect(formatFloat(x)).toBe(s));
});

describe('scaleAndRound', () => {
  it('rounds half away from zero', () => {
    expect(scaleAndRound(parseDecimal('1.005'), 100n)).toBe(101n);
    expect(scaleAndRound(parseDecimal('-1.005'), 100n)).toBe(-101n);
    expect(scaleAndRound(parseDecimal('1.004'), 100n)).toBe(100n);
    expect(scaleAndRound(parseDecimal('2.5'), 1n)).toBe(3n);
  });
});

describe('divideToDecimalString', () => {
  it('is exact when the decimal terminates', () => {
    expect(divideToDecimalString(10050n, 100n)).toBe('100.5');
    expect(divideToDecimalString(123456789012345678901234567890n, 100n)).toBe(
      '1234567890123456789012345678.9',
    );
    expect(divideToDecimalString(5n, 1n)).toBe('5');
  });
  it('truncates a repeating decimal at the maximum scale', () => {
    expect(divideToDecimalString(1n, 3n, 5)).toBe('0.33333');
  });
});

it('counts significant digits without leading zeros', () => {
  expect(significantDigits('0.000123')).toBe(3);
  expect(significantDigits('1234567890.12345')).toBe(15);
});
