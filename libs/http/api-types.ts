import { ApiPropertyOptions } from '@nestjs/swagger';

/** OpenAPI shape of a big integer: a bare JSON number of any size (or a digit string on input). */
export const BIG_INT: ApiPropertyOptions = {
  type: 'integer',
  format: 'int64',
  description:
    'Arbitrary-precision integer in minor units, sent as a bare JSON number (no size limit).',
  example: 10000,
};

export const BIG_INT_INPUT: ApiPropertyOptions = {
  oneOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?\\d+$' }],
  description: 'Integer in minor units: a JSON number of any size or a string of digits.',
  example: 10000,
};

export const META_DATA: ApiPropertyOptions = {
  type: 'object',
  additionalProperties: true,
  nullable: true,
  description: 'Free-form JSON object.',
};
