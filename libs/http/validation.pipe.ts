import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { DomainError, fieldErrorMessage } from '@libs/core/domain-error';
import {
  FORBIDDEN_KEYS,
  isUnstorableText,
  JsonBodyError,
  MAX_JSON_DEPTH,
  UNSTORABLE_TEXT,
} from '@libs/core/json';
import { dtoDecoderOf, FieldErrors } from './dto-decoder';
import { MAX_BIG_INT_DIGITS, NOT_NULL } from './validators';

/**
 * The reason shown for a field, the most basic first: "cannot be null" or "cannot be blank", then
 * a wrong type (`is…` constraints), then the rest (a length bound says nothing about a number).
 */
function reasonOf(constraints: Record<string, string>): string {
  if (constraints.whitelistValidation) return 'unknown field';
  const names = Object.keys(constraints);
  const name =
    names.find((n) => n === NOT_NULL) ??
    names.find((n) => n === 'isDefined') ??
    names.find((n) => n.startsWith('is')) ??
    names[0];
  return constraints[name];
}

function collect(errors: ValidationError[], prefix: string, out: Record<string, string>): void {
  for (const e of errors) {
    const key = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) out[key] = reasonOf(e.constraints);
    if (e.children?.length) collect(e.children, key, out);
  }
}

/**
 * Levels of nesting a body may have: the parser's limit (it refuses deeper JSON while reading it);
 * checked here again for objects that did not come from a request body.
 */
export const MAX_BODY_DEPTH = MAX_JSON_DEPTH;

// Written as a JSON number such an integer costs seconds of event loop to print (into JSONB, or
// back to the client): 4 MB of digits take ~4 s. Money fields have the same bound.
const BIG_INT_BOUND = 10n ** BigInt(MAX_BIG_INT_DIGITS);

/**
 * The first field the ledger will not take as sent (an integer beyond MAX_BIG_INT_DIGITS digits;
 * and, for objects not parsed from a request body, what the parser refuses: text PostgreSQL
 * cannot store, a number it would store as null, prototype keys, nesting beyond MAX_BODY_DEPTH),
 * walked without recursion.
 */
function unacceptableField(body: object): Record<string, string> | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [
    { value: body, path: '', depth: 0 },
  ];
  while (stack.length) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (isUnstorableText(value)) return { [path]: UNSTORABLE_TEXT };
      continue;
    }
    if (typeof value === 'bigint') {
      if ((value < 0n ? -value : value) >= BIG_INT_BOUND) {
        return { [path]: `is too large (at most ${MAX_BIG_INT_DIGITS} digits)` };
      }
      continue;
    }
    // 1e400 parses as Infinity, which JSON (and so JSONB) can only write as null.
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return { [path]: 'is too large (or not a finite number)' };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_BODY_DEPTH) {
      return { [path]: `is nested too deeply (at most ${MAX_BODY_DEPTH} levels)` };
    }
    for (const [k, v] of Object.entries(value)) {
      if (isUnstorableText(k)) return { [path || 'body']: `has a key that ${UNSTORABLE_TEXT}` };
      if (FORBIDDEN_KEYS.has(k)) return { [path || 'body']: `has a forbidden key "${k}"` };
      stack.push({ value: v, path: path ? `${path}.${k}` : k, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * Validates `value` against a DTO class; returns the instance, or the `field: reason; …` message.
 * A class that carries a decoder (dto-decoder.ts) is decoded by it, to the same result as its
 * decorators give, at a fraction of the cost; the others go through class-validator.
 */
export function validateDto<T extends object>(cls: new () => T, value: object): T | string {
  const bad = unacceptableField(value);
  if (bad) return fieldErrorMessage(bad);
  const decode = dtoDecoderOf(cls);
  if (!decode || Array.isArray(value)) return validateByDecorators(cls, value);
  const fields: FieldErrors = {};
  const instance = decode(value, '', fields);
  return Object.keys(fields).length ? fieldErrorMessage(fields) : instance;
}

/**
 * `validateDto` by class-transformer and class-validator alone, for the checked `value`: the
 * reference a decoder is held to.
 */
export function validateDtoByDecorators<T extends object>(
  cls: new () => T,
  value: object,
): T | string {
  const bad = unacceptableField(value);
  if (bad) return fieldErrorMessage(bad);
  return validateByDecorators(cls, value);
}

function validateByDecorators<T extends object>(cls: new () => T, value: object): T | string {
  const instance = plainToInstance(cls, value, { enableImplicitConversion: false });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: false,
  });
  if (!errors.length) return instance;
  const fields: Record<string, string> = {};
  collect(errors, '', fields);
  return fieldErrorMessage(fields);
}

/**
 * Validates a request body against its DTO class and raises Blnk's validation error (legacy key
 * `errors`, message `field: reason; …`) with the code the route uses. Unknown fields are refused
 * rather than silently dropped, so a typo in `precise_amout` cannot move the wrong amount.
 * `optional`: an absent body (or JSON null) counts as `{}`, as Blnk allows on refunds.
 * A body that is not a JSON object fails binding in Blnk exactly as malformed JSON does, so it is
 * raised as the same error (GEN_MALFORMED_REQUEST, legacy key chosen per route by the filter).
 */
@Injectable()
export class BlnkValidationPipe implements PipeTransform {
  constructor(
    private readonly code: string,
    private readonly opts: { optional?: boolean } = {},
  ) {}

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const metatype = metadata.metatype;
    if (!metatype || metadata.type !== 'body') return value;
    if (this.opts.optional && (value === undefined || value === null)) value = {};
    if (
      value === undefined ||
      value === null ||
      typeof value !== 'object' ||
      Array.isArray(value)
    ) {
      throw new JsonBodyError('request body must be a JSON object');
    }
    const result = validateDto(metatype as new () => object, value);
    if (typeof result === 'string') throw new DomainError(this.code, result, undefined, 'errors');
    return result;
  }
}
