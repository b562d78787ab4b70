import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { DomainError, fieldErrorMessage } from '@libs/core/domain-error';

function collect(errors: ValidationError[], prefix: string, out: Record<string, string>): void {
  for (const e of errors) {
    const key = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) {
      const msgs = Object.entries(e.constraints).map(([name, msg]) =>
        name === 'whitelistValidation' ? 'unknown field' : msg,
      );
      out[key] = msgs[0];
    }
    if (e.children?.length) collect(e.children, key, out);
  }
}

/** Validates `value` against a DTO class; returns the instance, or the `field: reason; …` message. */
export function validateDto<T extends object>(cls: new () => T, value: object): T | string {
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
      throw new DomainError(
        'GEN_MALFORMED_REQUEST',
        'Invalid input: request body must be a JSON object',
      );
    }
    const result = validateDto(metatype as new () => object, value);
    if (typeof result === 'string') throw new DomainError(this.code, result, undefined, 'errors');
    return result;
  }
}
