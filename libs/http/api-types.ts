import { ApiPropertyOptions } from '@nestjs/swagger';

/**
 * The OpenAPI extension that marks an arbitrary-precision integer: a bare JSON number that may
 * exceed 2^53 (and 2^63), so a client must parse the body with a lossless JSON parser.
 */
export const LOSSLESS = { 'x-lossless-json': true } as const;

/**
 * OpenAPI shape of a big integer: a bare JSON number of any size. Not `format: int64`: values
 * above 2^63 are sent (Blnk's wire format), and the document must not promise less.
 */
export const BIG_INT: ApiPropertyOptions = {
  type: 'integer',
  description:
    'Arbitrary-precision integer in minor units, sent as a bare JSON number of any size: ' +
    'parse with a lossless JSON parser (x-lossless-json).',
  example: 10000,
  ...LOSSLESS,
};

export const BIG_INT_INPUT: ApiPropertyOptions = {
  oneOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?\\d+$' }],
  description:
    'Integer in minor units: a JSON number of any size (send it losslessly) or a string of digits.',
  example: 10000,
  ...LOSSLESS,
};

export const META_DATA: ApiPropertyOptions = {
  type: 'object',
  additionalProperties: true,
  nullable: true,
  description: 'Free-form JSON object.',
};
