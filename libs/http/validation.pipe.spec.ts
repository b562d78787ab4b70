import 'reflect-metadata';
import { IsBoolean, IsDefined, IsString } from 'class-validator';
import { DomainError } from '@libs/core/domain-error';
import { JsonBodyError, parseJson } from '@libs/core/json';
import { BlnkValidationPipe, MAX_BODY_DEPTH, validateDto } from './validation.pipe';
import {
  IsBigIntLike,
  IsJsonObject,
  IsRfc3339,
  isBigIntLike,
  NullAsAbsent,
  OptionalNotNull,
} from './validators';

class SampleDto {
  @IsDefined({ message: 'cannot be blank' }) @IsString() name!: string;
  @OptionalNotNull() @IsBigIntLike() amount?: number | bigint | string;
  @NullAsAbsent() @IsString() note?: string;
  @NullAsAbsent() @IsBoolean() flag?: boolean;
  @NullAsAbsent() @IsJsonObject() meta_data?: Record<string, unknown>;
  @NullAsAbsent() @IsRfc3339() at?: string;
}

const ok = (body: object) => {
  const r = validateDto(SampleDto, body);
  if (typeof r === 'string') throw new Error(r);
  return r;
};

describe('validateDto and JSON null', () => {
  it('refuses null where it is refused, with "cannot be null" before any type complaint', () => {
    expect(validateDto(SampleDto, { name: 'n', amount: null })).toBe('amount: cannot be null.');
    expect(validateDto(SampleDto, { name: null })).toBe('name: cannot be blank.');
  });

  it('drops null where it means absent, so no later code sees it', () => {
    const dto = ok({ name: 'n', note: null, flag: null, meta_data: null, at: null });
    for (const k of ['note', 'flag', 'meta_data', 'at'] as const) expect(dto[k]).toBeUndefined();
    expect(ok({ name: 'n' }).amount).toBeUndefined();
  });

  it('still checks the type of a value that is not null', () => {
    expect(validateDto(SampleDto, { name: 'n', flag: 'yes' })).toMatch(/^flag: /);
    expect(validateDto(SampleDto, { name: 'n', at: '2027-02-30T10:00:00Z' })).toBe(
      'at: must be an RFC 3339 date-time.',
    );
  });
});

describe('validateDto and values PostgreSQL cannot store as sent', () => {
  it.each([
    ['a NUL in a string', { name: 'a\u0000b' }, 'name'],
    [
      'a NUL deep in meta_data',
      { name: 'n', meta_data: { a: [{ b: 'x\u0000' }] } },
      'meta_data.a.0.b',
    ],
    ['an unpaired high surrogate', { name: 'x\ud800y' }, 'name'],
    ['an unpaired low surrogate', { name: 'n', meta_data: { k: '\udc00' } }, 'meta_data.k'],
  ])('refuses %s, naming the field', (_n, body, field) => {
    expect(validateDto(SampleDto, body)).toBe(
      `${field}: must not contain a NUL character or an unpaired UTF-16 surrogate.`,
    );
  });

  it('refuses such a character in a key', () => {
    expect(validateDto(SampleDto, { name: 'n', meta_data: { 'k\u0000': 1 } })).toBe(
      'meta_data: has a key that must not contain a NUL character or an unpaired UTF-16 surrogate.',
    );
  });

  it('accepts any other Unicode, astral characters included', () => {
    expect(ok({ name: 'ü€😀 ‮ \u200b', meta_data: { '😀': '日本' } }).name).toBe('ü€😀 ‮ \u200b');
  });

  it('refuses an integer of more than 80 digits anywhere, before anything prints it', () => {
    const body = parseJson(`{"name":"n","meta_data":{"x":[${'9'.repeat(81)}]}}`) as object;
    expect(validateDto(SampleDto, body)).toBe('meta_data.x.0: is too large (at most 80 digits).');
    expect(ok({ name: 'n', meta_data: { x: 10n ** 79n, y: 1e300 } }).name).toBe('n');
  });

  it('refuses a number that does not fit a double (it would be stored as null)', () => {
    expect(validateDto(SampleDto, { name: 'n', meta_data: { x: Infinity } })).toBe(
      'meta_data.x: is too large (or not a finite number).',
    );
  });

  it(`refuses nesting beyond ${MAX_BODY_DEPTH} levels without overflowing the stack`, () => {
    // Objects built in code: the parser refuses such bodies before they become objects.
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(validateDto(SampleDto, { name: 'n', meta_data: { x: deep } })).toMatch(
      /^meta_data\.x(\.0)*: is nested too deeply/,
    );
    let fine: unknown = 1;
    for (let i = 0; i < MAX_BODY_DEPTH - 2; i++) fine = [fine];
    expect(ok({ name: 'n', meta_data: { x: fine } }).name).toBe('n');
  });

  it('keeps metadata keys that name methods of Object.prototype, and refuses prototype keys', () => {
    const meta_data = { toString: 1, valueOf: 'v', hasOwnProperty: [true] };
    expect(ok({ name: 'n', meta_data }).meta_data).toEqual(meta_data);
    const poisoned = JSON.parse('{"name":"n","meta_data":{"a":{"__proto__":1}}}') as object;
    expect(validateDto(SampleDto, poisoned)).toBe('meta_data.a: has a forbidden key "__proto__".');
  });

  it('bounds metadata keys and text values', () => {
    expect(validateDto(SampleDto, { name: 'n', meta_data: { ['k'.repeat(257)]: 1 } })).toBe(
      'meta_data: keys must be at most 256 characters.',
    );
    expect(
      validateDto(SampleDto, { name: 'n', meta_data: { a: [{ b: 'v'.repeat(10_001) }] } }),
    ).toBe('meta_data: text values must be at most 10000 characters.');
    expect(ok({ name: 'n', meta_data: { ['k'.repeat(256)]: 'v'.repeat(10_000) } }).name).toBe('n');
  });
});

describe('BlnkValidationPipe', () => {
  const pipe = new BlnkValidationPipe('TXN_VALIDATION_ERROR');
  const meta = { type: 'body' as const, metatype: SampleDto };

  it.each([[[]], ['x'], [42], [null], [undefined]])(
    'raises a body that is not an object (%j) as a malformed body, like bad JSON',
    (body) => {
      expect(() => pipe.transform(body, meta)).toThrow(JsonBodyError);
    },
  );

  it('raises field errors with the route code and the legacy key `errors`', () => {
    try {
      pipe.transform({ name: 'n', amount: null }, meta);
      throw new Error('expected an error');
    } catch (e) {
      expect(e).toBeInstanceOf(DomainError);
      expect((e as DomainError).code).toBe('TXN_VALIDATION_ERROR');
      expect((e as DomainError).legacyKey).toBe('errors');
    }
  });
});

describe('isBigIntLike', () => {
  it('takes integers of up to 80 digits, as numbers, bigints or digit strings', () => {
    expect(isBigIntLike(10n ** 79n)).toBe(true);
    expect(isBigIntLike(-(10n ** 79n))).toBe(true);
    expect(isBigIntLike(10n ** 80n)).toBe(false);
    expect(isBigIntLike('9'.repeat(80))).toBe(true);
    expect(isBigIntLike('9'.repeat(81))).toBe(false);
    expect(isBigIntLike(100)).toBe(true);
    expect(isBigIntLike(1.5)).toBe(false);
    expect(isBigIntLike(1e18)).toBe(false); // a float beyond 2^53 may not be what was written
    expect(isBigIntLike('12abc')).toBe(false);
    expect(isBigIntLike(null)).toBe(false);
  });
});
