import { applyDecorators } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

/** The flag in a Fastify route's `config` of a POST or PUT that takes no Idempotency-Key. */
const NO_KEY_CONFIG = 'neracaNoIdempotencyKey';
/** The same, on the OpenAPI operation (removed once the document is built). */
const NO_KEY_EXTENSION = 'x-neraca-no-idempotency-key';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

/**
 * Marks a POST or PUT that creates and changes nothing (a filter, a reveal, an operator's nudge):
 * an Idempotency-Key sent to it is ignored and no answer of it is kept. Every other POST and PUT
 * takes one, so a route added later is covered without anyone remembering it.
 */
export const NoIdempotencyKey = (): MethodDecorator =>
  applyDecorators(RouteConfig({ [NO_KEY_CONFIG]: true }), ApiExtension(NO_KEY_EXTENSION, true));

/** Whether the matched route takes an Idempotency-Key. */
export function takesIdempotencyKey(req: FastifyRequest): boolean {
  if (req.method !== 'POST' && req.method !== 'PUT') return false;
  const config = req.routeOptions.config as unknown as Record<string, unknown> | undefined;
  return config?.[NO_KEY_CONFIG] !== true;
}

const METHODS = ['post', 'put'] as const;

/**
 * The document's POST and PUT operations that take a key get the optional header parameter and
 * the answers it adds (409 in progress or answer lost, 422 reused with another request).
 */
export function withIdempotencyKeyHeader(doc: OpenAPIObject, errorSchemaRef?: string): void {
  for (const path of Object.values(doc.paths)) {
    for (const method of METHODS) {
      const op = path[method] as (Record<string, unknown> & typeof path.post) | undefined;
      if (!op) continue;
      if (op[NO_KEY_EXTENSION]) {
        delete op[NO_KEY_EXTENSION];
        continue;
      }
      op.parameters = [
        ...(op.parameters ?? []),
        {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Up to 255 visible ASCII characters, unique per request of this API key: a retry ' +
            'with the same key and the same request gets the first answer again (same status ' +
            'and body, with `Idempotent-Replayed: true`), and the request is carried out at ' +
            'most once. Kept for `idempotency.retention` (24 h by default).',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
      ];
      const schema = errorSchemaRef ? { $ref: errorSchemaRef } : { type: 'object' as const };
      const responses = (op.responses ?? {}) as Record<string, unknown>;
      responses['409'] ??= {
        description: 'Conflict, or a request with this Idempotency-Key is still in progress',
        content: { 'application/json': { schema } },
      };
      responses['422'] ??= {
        description: 'This Idempotency-Key was used with a different request',
        content: { 'application/json': { schema } },
      };
      op.responses = responses as typeof op.responses;
    }
  }
}
