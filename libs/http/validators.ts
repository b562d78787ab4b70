import { registerDecorator, ValidationOptions } from 'class-validator';

const INT_STRING = /^-?\d+$/;

/** A big integer on the wire: a JSON integer of any size, or a string of digits (reference §1.5). */
export function isBigIntLike(v: unknown): boolean {
  if (typeof v === 'bigint') return true;
  if (typeof v === 'number') return Number.isSafeInteger(v);
  return typeof v === 'string' && v.length <= 80 && INT_STRING.test(v);
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
      options: { message: 'must be an integer (a JSON number or a string of digits)', ...options },
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
      options: { message: 'must be a finite number', ...options },
      validator: { validate: (v: unknown) => typeof v === 'number' && Number.isFinite(v) },
    });
}

/** A plain JSON object (not an array, not null). */
export function IsJsonObject(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isJsonObject',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'must be a JSON object', ...options },
      validator: {
        validate: (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v),
      },
    });
}

/** A JSON number as decoded: a finite float, or a bigint for integers beyond 2^53. */
export function IsJsonNumber(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isJsonNumber',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: 'must be a number', ...options },
      validator: {
        validate: (v: unknown) =>
          typeof v === 'bigint' || (typeof v === 'number' && Number.isFinite(v)),
      },
    });
}
