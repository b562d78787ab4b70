import { isBigIntLike, isPlainObject, metadataProblem, REASONS } from './validators';

/*
 * Hand-written decoders for DTOs on hot routes. class-transformer + class-validator cost ~190 µs
 * of CPU per transfer body (reflection, a ValidationError per property, a deep copy of the body);
 * a decoder built from these rules does the same work directly. A DTO opts in by carrying one
 * (`withDecoder`); `validateDto` uses it when present, and the class keeps its decorators for
 * the OpenAPI document and for every other caller.
 *
 * The contract is exact equality with the decorators, for every JSON value the body parser can
 * produce: the same instance (own keys in the body's order, nulls of NullAsAbsent fields kept
 * as undefined, nested items as instances of their class, meta_data the very object parsed) or
 * the same `field: reason` map. What class-transformer and class-validator do, and the rules
 * below therefore copy:
 *  - keys are assigned in the body's order; a key naming a method of Object.prototype
 *    (`toString`, `valueOf`, ...) is skipped without a word; any other unknown key is
 *    "unknown field" (forbidNonWhitelisted), reported before the fields of its object;
 *  - one reason per field, as `reasonOf` in validation.pipe chooses it: "cannot be null", then
 *    "cannot be blank", then the wrong type, then the rest;
 *  - a nested list validates items that are objects as instances of the item class, items that
 *    are arrays item by item (`sources.0.0.identifier`), anything else as "each item must be a
 *    JSON object"; a nested field holding a single object (not a list) is "must be an array" and
 *    is also validated as one item at the field's own path.
 * The differential test (transaction.decoder.spec.ts) holds a decoder to its decorators.
 */

export type FieldErrors = Record<string, string>;

/**
 * One field: given the value sent (undefined when absent), records the field's reason (and any
 * nested ones) in `errors` under `path`, and returns what the instance holds for it.
 */
export type FieldRule = (value: unknown, path: string, errors: FieldErrors) => unknown;

/** Decodes a plain object into a new instance, recording reasons under `path.` in `errors`. */
export type ObjectDecoder<T> = (value: object, path: string, errors: FieldErrors) => T;

export const DTO_DECODER: unique symbol = Symbol('dtoDecoder');

type WithDecoder<T> = { [DTO_DECODER]?: ObjectDecoder<T> };

/** The decoder a DTO class carries, if any. */
export function dtoDecoderOf<T>(cls: new () => T): ObjectDecoder<T> | undefined {
  return (cls as WithDecoder<T>)[DTO_DECODER];
}

/** Gives `cls` a decoder that `validateDto` uses instead of class-validator. */
export function withDecoder<T>(cls: new () => T, decoder: ObjectDecoder<T>): void {
  Object.defineProperty(cls, DTO_DECODER, { value: decoder });
}

const at = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/**
 * A decoder for instances of `cls` with `rules` as its fields, in the order the class declares
 * them (the order class-validator reports them in).
 */
export function objectDecoder<T extends object>(
  cls: new () => T,
  rules: Record<string, FieldRule>,
): ObjectDecoder<T> {
  const names = Object.keys(rules);
  const fields = names.map((n) => [n, rules[n]] as const);
  const known = new Set(names);
  const proto = cls.prototype as object;
  for (const n of names) {
    // class-transformer would skip such a field; no rule would ever see it.
    if (Object.getOwnPropertyDescriptor(proto, n) || n in Object.prototype) {
      throw new Error(`${cls.name}.${n} names a member of the prototype`);
    }
  }
  return (value, path, errors) => {
    const instance = new cls() as Record<string, unknown>;
    const input = value as Record<string, unknown>;
    let present = 0;
    for (const key of Object.keys(input)) {
      if (known.has(key)) {
        // Reserves the key's place: the instance keeps the body's order.
        instance[key] = undefined;
        present++;
        continue;
      }
      if (key === '__proto__' || key === 'constructor') continue;
      const own = Object.getOwnPropertyDescriptor(proto, key);
      if ((own && !own.set) || instance[key] instanceof Function) continue;
      instance[key] = undefined;
      errors[at(path, key)] = 'unknown field';
    }
    for (const [name, rule] of fields) {
      const v = input[name];
      const stored = rule(v, at(path, name), errors);
      if (present && (v !== undefined || Object.hasOwn(input, name))) {
        instance[name] = stored;
        present--;
      }
    }
    return instance as T;
  };
}

// The presentation sequences and surrogate pairs validator.js' isLength (class-validator's
// MaxLength) counts as one character each; a string no longer in UTF-16 units always fits.
const PRESENTATION = /[^\uFE0F\uFE0E][\uFE0F\uFE0E]/g;
const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;
function longerThan(s: string, max: number): boolean {
  if (s.length <= max) return false;
  const len =
    s.length - (s.match(PRESENTATION)?.length ?? 0) - (s.match(SURROGATE_PAIR)?.length ?? 0);
  return len > max;
}

/**
 * `@IsString` (+ `@MaxLength(max)` / `@MaxChars(max)` when `max` is given), either required
 * (`@IsDefined`: absent or null is "cannot be blank") or `@NullAsAbsent`.
 */
export function textRule(opts: { required?: boolean; max?: number }): FieldRule {
  const { required = false, max } = opts;
  const tooLong = max === undefined ? '' : REASONS.maxChars(max);
  return (v, path, errors) => {
    if (v === undefined || v === null) {
      if (required) errors[path] = REASONS.blank;
      return undefined;
    }
    if (typeof v !== 'string') errors[path] = REASONS.string;
    else if (max !== undefined && longerThan(v, max)) errors[path] = tooLong;
    return v;
  };
}

/** `@NullAsAbsent() @IsBoolean`. */
export const booleanRule: FieldRule = (v, path, errors) => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') errors[path] = REASONS.boolean;
  return v;
};

const NUMBER_KINDS = {
  /** `@IsJsonNumber` */
  json: {
    ok: (v: unknown) => typeof v === 'bigint' || (typeof v === 'number' && Number.isFinite(v)),
    message: REASONS.jsonNumber,
  },
  /** `@IsFiniteNumber` */
  finite: {
    ok: (v: unknown) => typeof v === 'number' && Number.isFinite(v),
    message: REASONS.finiteNumber,
  },
  /** `@IsBigIntLike` */
  bigInt: {
    ok: isBigIntLike,
    message: REASONS.bigInt,
  },
};

/**
 * A number field of one of NUMBER_KINDS; `nulls: 'refused'` is `@OptionalNotNull` ("cannot be
 * null"), `'absent'` is `@NullAsAbsent`.
 */
export function numberRule(
  kind: keyof typeof NUMBER_KINDS,
  nulls: 'refused' | 'absent',
): FieldRule {
  const { ok, message } = NUMBER_KINDS[kind];
  return (v, path, errors) => {
    if (v === undefined) return undefined;
    if (v === null) {
      if (nulls === 'refused') errors[path] = REASONS.notNull;
      return undefined;
    }
    if (!ok(v)) errors[path] = message;
    return v;
  };
}

/** `@NullAsAbsent() @IsJsonObject()`: the object parsed, not a copy. */
export const jsonObjectRule: FieldRule = (v, path, errors) => {
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) {
    errors[path] = REASONS.jsonObject;
    return v;
  }
  const problem = metadataProblem(v);
  if (problem === 'key') errors[path] = REASONS.metadataKey;
  else if (problem === 'text') errors[path] = REASONS.metadataText;
  return v;
};

/**
 * `@NullAsAbsent() @IsArray() @ValidateNested({ each: true, message }) @Type(() => Item)`, with
 * `item` the decoder of Item.
 */
export function nestedListRule<T>(item: ObjectDecoder<T>, message: string): FieldRule {
  // class-transformer's copy and class-validator's nested walk, in one pass.
  const element = (v: unknown, path: string, errors: FieldErrors): unknown => {
    if (Array.isArray(v)) return v.map((sub, i) => element(sub, at(path, String(i)), errors));
    if (typeof v === 'object' && v !== null) return item(v, path, errors);
    if (v !== undefined) errors[path] = message;
    return v;
  };
  return (v, path, errors) => {
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return v.map((sub, i) => element(sub, at(path, String(i)), errors));
    errors[path] = REASONS.array;
    return typeof v === 'object' ? item(v, path, errors) : v;
  };
}
