import fc from 'fast-check';
import { DomainError } from '@libs/core/domain-error';
import { zeroAmounts, BalanceAmounts } from '../../balance/domain/balance';
import {
  conditionHolds,
  MONITOR_FIELDS,
  MONITOR_OPERATORS,
  monitorCondition,
  MonitorCondition,
  monitorFires,
  MonitorInput,
  preciseValueOf,
} from './monitor';

const amounts = (over: Partial<BalanceAmounts> = {}): BalanceAmounts => ({
  ...zeroAmounts(),
  ...over,
});
const cond = (operator: string, preciseValue: bigint, field = 'balance'): MonitorCondition =>
  ({
    field,
    operator,
    value: String(preciseValue),
    precision: 1n,
    preciseValue,
  }) as MonitorCondition;
const input = (over: Partial<MonitorInput> = {}): MonitorInput => ({
  balanceId: 'bln_1',
  field: 'balance',
  operator: '>',
  value: 1000,
  precision: 100,
  ...over,
});
const messageOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe('GEN_VALIDATION_ERROR');
    expect((e as DomainError).legacyKey).toBe('errors');
    return (e as DomainError).message;
  }
  throw new Error('did not throw');
};

const NOT_EXACT =
  'condition.value: is not exact as a float: write integers out in digits, and at most 15 significant digits.';

describe('monitor condition', () => {
  it('stores trunc(value × precision) exactly, where float64 would lose a unit', () => {
    expect(monitorCondition(input()).preciseValue).toBe(100000n);
    // Blnk: 10.1 * 100 = 1009.9999999999999 in float64, truncated to 1009.
    expect(monitorCondition(input({ value: 10.1 })).preciseValue).toBe(1010n);
    expect(preciseValueOf('0.129', 100n)).toBe(12n);
    expect(preciseValueOf('-0.129', 100n)).toBe(-12n);
    expect(monitorCondition(input({ value: -5, precision: 1 })).preciseValue).toBe(-5n);
    expect(monitorCondition(input({ value: 0 })).preciseValue).toBe(0n);
  });

  it('takes huge thresholds and precisions as big integers', () => {
    const big = 10n ** 40n + 7n;
    const c = monitorCondition(input({ value: big, precision: 10n ** 30n }));
    expect(c.preciseValue).toBe(big * 10n ** 30n);
    expect(c.value).toBe(big.toString());
    // 1e18 on the wire is parsed exactly, as a bigint.
    expect(monitorCondition(input({ value: 10n ** 18n, precision: 1 })).preciseValue).toBe(
      10n ** 18n,
    );
  });

  it('refuses what it cannot store exactly or makes no sense, naming every field', () => {
    expect(messageOf(() => monitorCondition({}))).toBe(
      'balance_id: cannot be blank; condition.field: cannot be blank; condition.operator: cannot be blank; condition.precision: cannot be blank; condition.value: cannot be blank.',
    );
    expect(messageOf(() => monitorCondition(input({ operator: '=>' })))).toBe(
      'condition.operator: must be one of > < >= <= = == !=.',
    );
    expect(messageOf(() => monitorCondition(input({ field: 'queued_balance' })))).toContain(
      'condition.field: must be one of balance, credit_balance',
    );
    expect(messageOf(() => monitorCondition(input({ field: '__proto__' })))).toContain(
      'condition.field: must be one of',
    );
    expect(messageOf(() => monitorCondition(input({ field: 'toString' })))).toContain(
      'condition.field: must be one of',
    );
    for (const precision of [0, -100, 0.5, 1e30]) {
      expect(messageOf(() => monitorCondition(input({ precision })))).toMatch(
        /^condition\.precision: must be a positive integer/,
      );
    }
    expect(messageOf(() => monitorCondition(input({ precision: 10n ** 81n })))).toBe(
      'condition.precision: must have at most 80 digits.',
    );
    expect(messageOf(() => monitorCondition(input({ value: 1e30 })))).toBe(NOT_EXACT);
    expect(messageOf(() => monitorCondition(input({ value: 1e300 })))).toBe(NOT_EXACT);
    // What a float made of the client's text: 1000000000000000000.01 is parsed as 1e18, and
    // 0.12345678901234567891 as 0.12345678901234568. Stored, neither is what was sent.
    for (const value of [Number('1000000000000000000.01'), Number('0.12345678901234567891')]) {
      expect(messageOf(() => monitorCondition(input({ value })))).toBe(NOT_EXACT);
    }
    expect(monitorCondition(input({ value: 123456789012.345, precision: 1000 })).preciseValue).toBe(
      123456789012345n,
    );
    expect(messageOf(() => monitorCondition(input({ value: 1e-300 })))).toBe(
      'condition.value: must have at most 80 digits.',
    );
    expect(messageOf(() => monitorCondition(input({ balanceId: '  ' })))).toBe(
      'balance_id: cannot be blank.',
    );
  });

  it('keeps the stored precision on an update that sends none', () => {
    const current = monitorCondition(input({ precision: 1000 }));
    const next = monitorCondition(input({ precision: undefined, value: 2 }), current);
    expect(next.precision).toBe(1000n);
    expect(next.preciseValue).toBe(2000n);
  });
});

describe('conditionHolds', () => {
  const t = 100n;
  const cases: [string, bigint, boolean][] = [
    ['>', 101n, true],
    ['>', 100n, false],
    ['<', 99n, true],
    ['<', 100n, false],
    ['>=', 100n, true],
    ['>=', 99n, false],
    ['<=', 100n, true],
    ['<=', 101n, false],
    ['=', 100n, true],
    ['=', 101n, false],
    ['==', 100n, true],
    ['==', 99n, false],
    ['!=', 99n, true],
    ['!=', 100n, false],
  ];
  it.each(cases)('%s %s against 100 is %s', (op, x, expected) => {
    expect(conditionHolds(cond(op, t), amounts({ balance: x }))).toBe(expected);
  });

  it('covers every operator the module accepts', () => {
    expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(MONITOR_OPERATORS));
  });

  it('reads the chosen field of the balance', () => {
    for (const [wire, key] of Object.entries(MONITOR_FIELDS)) {
      const c = cond('==', 7n, wire);
      expect(conditionHolds(c, amounts({ [key]: 7n }))).toBe(true);
      expect(conditionHolds(c, amounts())).toBe(false);
    }
  });

  it('compares beyond 2^53 without losing a unit', () => {
    const huge = 2n ** 200n;
    expect(conditionHolds(cond('>', huge), amounts({ balance: huge + 1n }))).toBe(true);
    expect(conditionHolds(cond('>', huge), amounts({ balance: huge }))).toBe(false);
    expect(conditionHolds(cond('==', 2n ** 53n + 1n), amounts({ balance: 2n ** 53n }))).toBe(false);
  });

  it('holds for nothing when the operator is not one it knows (a row written by hand)', () => {
    expect(conditionHolds(cond('~', 0n), amounts())).toBe(false);
  });
});

describe('monitorFires', () => {
  const over100 = cond('>', 100n);
  it('fires when the condition becomes true, not while it stays true', () => {
    expect(monitorFires(over100, amounts({ balance: 50n }), amounts({ balance: 150n }))).toBe(true);
    expect(monitorFires(over100, amounts({ balance: 150n }), amounts({ balance: 200n }))).toBe(
      false,
    );
    expect(monitorFires(over100, amounts({ balance: 150n }), amounts({ balance: 50n }))).toBe(
      false,
    );
    expect(monitorFires(over100, amounts({ balance: 50n }), amounts({ balance: 100n }))).toBe(
      false,
    );
  });

  it('fires again after the balance came back and crossed once more', () => {
    const steps = [50n, 150n, 200n, 90n, 101n];
    const fired = steps
      .slice(1)
      .map((b, i) =>
        monitorFires(over100, amounts({ balance: steps[i] }), amounts({ balance: b })),
      );
    expect(fired).toEqual([true, false, false, true]);
  });

  it('fires on equality, both spellings', () => {
    for (const op of ['=', '==']) {
      const c = cond(op, 100n);
      expect(monitorFires(c, amounts({ balance: 40n }), amounts({ balance: 100n }))).toBe(true);
      expect(monitorFires(c, amounts({ balance: 100n }), amounts({ balance: 100n }))).toBe(false);
    }
  });

  it('counts an unknown earlier state as not holding', () => {
    expect(monitorFires(cond('>=', 0n), null, amounts())).toBe(true);
    expect(monitorFires(cond('>', 0n), null, amounts())).toBe(false);
  });
});

describe('properties', () => {
  const big = fc.bigInt({ min: -(2n ** 130n), max: 2n ** 130n });
  const op = fc.constantFrom(...MONITOR_OPERATORS);
  /** The comparison written another way: the sign of the difference. */
  const oracle = (o: string, x: bigint, t: bigint): boolean => {
    const d = x > t ? 1 : x < t ? -1 : 0;
    return (
      {
        '>': d > 0,
        '<': d < 0,
        '>=': d >= 0,
        '<=': d <= 0,
        '=': d === 0,
        '==': d === 0,
        '!=': d !== 0,
      } as Record<string, boolean>
    )[o];
  };

  it('fires exactly when the comparison goes from false to true', () => {
    fc.assert(
      fc.property(op, big, big, big, (o, t, before, after) => {
        const c = cond(o, t);
        const fired = monitorFires(c, amounts({ balance: before }), amounts({ balance: after }));
        expect(fired).toBe(oracle(o, after, t) && !oracle(o, before, t));
      }),
    );
  });

  it('truncates value × 10^k exactly, toward zero', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 25 }),
        (units, scale, k) => {
          const neg = units < 0n;
          const digits = (neg ? -units : units).toString().padStart(scale + 1, '0');
          const text = `${neg ? '-' : ''}${digits.slice(0, digits.length - scale)}${scale ? '.' + digits.slice(digits.length - scale) : ''}`;
          const expected = (units * 10n ** BigInt(k)) / 10n ** BigInt(scale); // BigInt division truncates
          expect(preciseValueOf(text, 10n ** BigInt(k))).toBe(expected);
        },
      ),
    );
  });
});
