import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

/** The flag in a Fastify route's `config` that marks it public (read by the request gate). */
export const PUBLIC_ROUTE_CONFIG = 'neracaPublic';

/**
 * Marks a route that needs no API key (GET /, GET /health). It travels in the Fastify route's own
 * `config`, so the request gate, which runs before Nest knows the handler, sees it on the route the
 * router matched: no list of paths to keep in step. A method decorator only: a public controller
 * would make every route added to it later public too.
 */
export const Public = (): MethodDecorator => RouteConfig({ [PUBLIC_ROUTE_CONFIG]: true });

/** Whether the matched route was declared public (@Public, or the API docs). */
export function isPublicRoute(req: FastifyRequest): boolean {
  const config = req.routeOptions.config as unknown as Record<string, unknown> | undefined;
  return config?.[PUBLIC_ROUTE_CONFIG] === true;
}
