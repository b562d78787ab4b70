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

/**
 * Validates a request body against its DTO class and raises Blnk's validation error (legacy key
 * `errors`, message `field: reason; …`) with the code the route uses. Unknown fields are refused
 * rather than silently dropped, so a typo in `precise_amout` cannot move the wrong amount.
 */
@Injectable()
export class BlnkValidationPipe implements PipeTransform {
  constructor(private readonly code: string) {}

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const metatype = metadata.metatype;
    if (!metatype || metadata.type !== 'body') return value;
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
    const instance = plainToInstance(metatype as new () => object, value, {
      enableImplicitConversion: false,
    });
    const errors = validateSync(instance as object, {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: false,
    });
    if (errors.length) {
      const fields: Record<string, string> = {};
      collect(errors, '', fields);
      throw new DomainError(this.code, fieldErrorMessage(fields), undefined, 'errors');
    }
    return instance;
  }
}
