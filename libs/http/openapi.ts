import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';

/** `error_detail` of Blnk's error envelope (reference §1.6, §6.1). */
export class ErrorDetailView {
  @ApiProperty({ example: 'TXN_NOT_FOUND', description: 'Stable machine-readable code.' })
  code!: string;
  @ApiProperty({ example: 'transaction not found: txn_…' }) message!: string;
  @ApiPropertyOptional({
    description: 'Per-field messages, or other context of the error.',
    type: 'object',
    additionalProperties: true,
  })
  details?: Record<string, unknown>;
}

/**
 * Blnk's error envelope: the legacy message under `error` (or `errors` for some validation
 * failures, as Blnk sends it) and the structured `error_detail`.
 */
export class ErrorEnvelopeView {
  @ApiPropertyOptional({ description: 'The message (most errors).' }) error?: string;
  @ApiPropertyOptional({ description: 'The message (validation errors of some routes).' })
  errors?: string;
  @ApiProperty({ type: ErrorDetailView }) error_detail!: ErrorDetailView;
}

const REASONS: Record<number, string> = {
  400: 'Invalid request (validation, malformed JSON, bad parameters)',
  401: 'Missing or invalid X-Blnk-Key',
  403: 'The key lacks the scope this route needs',
  404: 'Not found',
  409: 'Conflict (duplicate reference, already refunded, state changed)',
  413: 'Request body too large',
  415: 'Body is not application/json',
  422: 'Refused by the ledger rules (funds, state)',
  423: 'Locked: the resource is being changed by another request',
  429: 'Rate limited (see Retry-After)',
  503: 'Back-pressure or a dependency is down; retry later',
};

/** Statuses every authenticated route can answer, whatever it does. */
const ALWAYS = [400, 401, 403, 429] as const;

/** What a route that takes a body can answer besides (too large, not JSON). */
export const BODY_ERRORS = [413, 415] as const;

/**
 * Declares the error responses of a route, each with Blnk's envelope: the statuses any
 * authenticated route can give (400, 401, 403, 429) and the route's own.
 */
export function ApiErrors(...statuses: number[]): MethodDecorator {
  const all = [...new Set([...ALWAYS, ...statuses])].sort((a, b) => a - b);
  return applyDecorators(
    ApiExtraModels(ErrorEnvelopeView),
    ...all.map((status) =>
      ApiResponse({
        status,
        description: REASONS[status] ?? 'Error',
        schema: { $ref: getSchemaPath(ErrorEnvelopeView) },
      }),
    ),
  );
}

/**
 * The summary and operation id of a route (the id names the method of generated clients).
 * `isPublic`: the route needs no key (`security: []`, not the document's X-Blnk-Key default).
 */
export function ApiSummary(
  operationId: string,
  summary: string,
  opts: { isPublic?: boolean } = {},
): MethodDecorator {
  return ApiOperation({ operationId, summary, ...(opts.isPublic ? { security: [] } : {}) });
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Model = Function;

/** A status whose body is one of these shapes (a result, or a dry-run preview). */
export function ApiOneOf(status: number, description: string, ...models: Model[]): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(...models),
    ApiResponse({
      status,
      description,
      schema:
        models.length === 1
          ? { $ref: getSchemaPath(models[0]) }
          : { oneOf: models.map((m) => ({ $ref: getSchemaPath(m) })) },
    }),
  );
}

/**
 * A list route (reference §3.2): a bare array, or, when `countable` and the caller asked for
 * `include_count`, `{data, total_count}` (the count omitted for an empty page).
 */
export function ApiList(model: Model, countable = false): MethodDecorator {
  const array = { type: 'array', items: { $ref: getSchemaPath(model) } };
  const counted = {
    type: 'object',
    required: ['data'],
    properties: { data: array, total_count: { type: 'integer' } },
  };
  return applyDecorators(
    ApiExtraModels(model),
    ApiResponse({
      status: 200,
      description: countable ? 'An array, or {data, total_count} with include_count.' : 'An array.',
      schema: countable ? { oneOf: [array, counted] } : array,
    }),
  );
}
