import { Transform } from 'class-transformer';
import {
  IsOptional,
  MaxLength,
  registerDecorator,
  ValidateIf,
  ValidationOptions,
} from 'class-validator';
import { parseRfc3339 } from '@libs/core/rfc3339';

const INT_STRING = /^-?\d+$/;

/**
 * Digits a big integer may have. Far beyond any amount of money, and it keeps a 5 MB number from
 * reaching the NUMERIC columns or the decimal arithmetic (a quoted one had the same bound).
 */
export const MAX_BIG_INT_DIGITS = 80;
const BIG_INT_BOUND = 10n ** BigInt(MAX_BIG_INT_DIGITS);

/**
 * A big integer on the wire: a JSON integer, or a string of digits (reference §1.5), of at most
 * MAX_BIG_INT_DIGITS digits. A float is taken only when it is a safe integer (`1e2`, `100.0`):
 * beyond 2^53 a double may not be the integer the client wrote, and money is never guessed.
 */
export function isBigIntLike(v: unknown): boolean {
  // Compared, not printed: toString of a 4 MB bigint takes seconds.
  if (typeof v === 'bigint') return (v < 0n ? -v : v) < BIG_INT_BOUND;
  if (typeof v === 'number') return Number.isSafeInteger(v);
  return (
    typeof v === 'string' && INT_STRING.test(v) && v.replace('-', '').length <= MAX_BIG_INT_DIGITS
  );
}

export function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  return BigInt(v as string);
}

export function IsBigIntLike(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isBigIntLike',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: REASONS.bigInt,
        ...options,
      },
      validator: { validate: (v: unknown) => isBigIntLike(v) },
    });
}

/** A finite JSON number (floats allowed); huge integers that arrived as bigint are refused. */
export function IsFiniteNumber(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isFiniteNumber',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: REASONS.finiteNumber, ...options },
      validator: { validate: (v: unknown) => typeof v === 'number' && Number.isFinite(v) },
    });
}

/**
 * Input limits (docs/security.md, "Input limits"). Ids, references and indicators go into btree
 * indexes (an entry holds at most 2704 bytes; an indicator shares one with its currency) and into
 * URLs (512 characters of up to 3 UTF-8 bytes, percent-encoded, fit the router's maxParamLength
 * of 6144). The others bound what one row, and every list that shows it, can cost.
 */
export const MAX_ID_LENGTH = 512;
export const MAX_CURRENCY_LENGTH = 64;
export const MAX_NAME_LENGTH = 512;
export const MAX_DESCRIPTION_LENGTH = 2048;
export const MAX_METADATA_KEY_LENGTH = 256;
export const MAX_METADATA_TEXT_LENGTH = 10_000;
/**
 * The reasons these decorators give, shared with the hand-written decoders (dto-decoder.ts), so
 * that both say the same thing by construction.
 */
export const REASONS = {
  blank: 'cannot be blank',
  string: 'must be a string',
  boolean: 'must be a boolean',
  array: 'must be an array',
  bigInt: `must be an integer (a JSON number or a string of digits, at most ${MAX_BIG_INT_DIGITS} digits)`,
  finiteNumber: 'must be a finite number',
  jsonNumber: 'must be a number',
  jsonObject: 'must be a JSON object',
  notNull: 'cannot be null',
  maxChars: (max: number) => `must be at most ${max} characters`,
  metadataKey: `keys must be at most ${MAX_METADATA_KEY_LENGTH} characters`,
  metadataText: `text values must be at most ${MAX_METADATA_TEXT_LENGTH} characters`,
} as const;

/** `@MaxLength` with the house message. */
export function MaxChars(max: number, options?: ValidationOptions): PropertyDecorator {
  return MaxLength(max, { message: REASONS.maxChars(max), ...options });
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first key or text value anywhere in `v` past its limit, walked without recursion. */
export function metadataProblem(v: unknown): 'key' | 'text' | undefined {
  const stack = [v];
  while (stack.length) {
    const x = stack.pop();
    if (typeof x === 'string') {
      if (x.length > MAX_METADATA_TEXT_LENGTH) return 'text';
    } else if (Array.isArray(x)) stack.push(...x);
    else if (isPlainObject(x)) {
      for (const [k, item] of Object.entries(x)) {
        if (k.length > MAX_METADATA_KEY_LENGTH) return 'key';
        stack.push(item);
      }
    }
  }
  return undefined;
}

/**
 * A plain JSON object (not an array, not null): client metadata. Keys and text values anywhere in
 * it are bounded (MAX_METADATA_KEY_LENGTH, MAX_METADATA_TEXT_LENGTH); nesting is bounded by the
 * parser. The object reaches the DTO exactly as parsed: class-transformer would copy it and drop
 * keys that name a method of Object.prototype (`toString`, `valueOf`), silently.
 */
export function IsJsonObject(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) => {
    Transform(
      ({ value, obj, key }: { value: unknown; obj: Record<string, unknown>; key: string }) =>
        isPlainObject(obj[key]) ? obj[key] : value,
    )(target, propertyName);
    registerDecorator({
      name: 'isJsonObject',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: REASONS.jsonObject, ...options },
      validator: { validate: isPlainObject },
    });
    registerDecorator({
      name: 'metadataKeys',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: REASONS.metadataKey },
      validator: { validate: (v: unknown) => metadataProblem(v) !== 'key' },
    });
    registerDecorator({
      name: 'metadataText',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: REASONS.metadataText },
      validator: { validate: (v: unknown) => metadataProblem(v) !== 'text' },
    });
  };
}

/** A JSON number as decoded: a finite float, or a bigint for integers beyond 2^53. */
export function IsJsonNumber(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isJsonNumber',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: REASONS.jsonNumber, ...options },
      validator: {
        validate: (v: unknown) =>
          typeof v === 'bigint' || (typeof v === 'number' && Number.isFinite(v)),
      },
    });
}

/** The name of the constraint NotNull registers; the validation pipe reports it before others. */
export const NOT_NULL = 'notNull';

/**
 * An optional field for which JSON `null` is refused with "cannot be null" (absent is fine). For
 * fields where a null would have to be guessed into money: Go decodes a null amount as 0 and a
 * null precise_amount as "not given", so on an inflight commit it would settle the whole hold.
 */
export function OptionalNotNull(): PropertyDecorator {
  return (target, propertyName) => {
    ValidateIf((_o, v: unknown) => v !== undefined)(target, propertyName);
    registerDecorator({
      name: NOT_NULL,
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: REASONS.notNull },
      validator: { validate: (v: unknown) => v !== null },
    });
  };
}

/**
 * An optional field for which JSON `null` means absent: what Go leaves for a null (the zero value:
 * "", false, a nil slice or map) is what an absent field means in Blnk too. The null is dropped
 * from the DTO, so no later code sees it.
 */
export function NullAsAbsent(): PropertyDecorator {
  return (target, propertyName) => {
    Transform(({ value }: { value: unknown }) => (value === null ? undefined : value))(
      target,
      propertyName,
    );
    IsOptional()(target, propertyName);
  };
}

/**
 * An RFC 3339 date-time `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±hh:mm)` whose fields all exist:
 * 2027-02-30 or 24:00 is refused, not rolled over as `new Date()` would.
 */
export function IsRfc3339(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isRfc3339',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'must be an RFC 3339 date-time', ...options },
      validator: { validate: (v: unknown) => typeof v === 'string' && !!parseRfc3339(v) },
    });
}
