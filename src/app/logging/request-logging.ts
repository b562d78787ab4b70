import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pino from 'pino';
import { principalOf } from '@libs/http/principal';
import { COMPONENT, requestLogScope, RequestLogScope } from './app-logger';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * An incoming X-Request-Id is kept when it looks like an id (a UUID, a ULID, a trace id): letters,
 * digits and `._:=+/-`, at most 128. Anything else (spaces, quotes, control characters, a header
 * sent twice, which Node joins with a comma) is replaced, so a client cannot write into the logs.
 */
const WELL_FORMED_ID = /^[A-Za-z0-9._:=+/-]{1,128}$/;

export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && WELL_FORMED_ID.test(header) ? header : randomUUID();
}

const SCOPE = Symbol('neraca.request-log-scope');
type Scoped = FastifyRequest & { [SCOPE]?: RequestLogScope };

/**
 * The request id (X-Request-Id, echoed on every answer) and one access line per request, written
 * by Fastify's hooks so that requests refused before any route runs (401, 429, 404) are logged
 * like the others. Registered before the request gate.
 *
 * The line is built from an allow-list and nothing else: request id, key id (never the key;
 * `master` for the master key, `anonymous` without a usable one), method, route pattern (never
 * the path, which holds ids, nor the query string, which may hold anything), status and duration.
 * No header, cookie or body is ever read here.
 */
export function registerRequestLogging(fastify: FastifyInstance, root: pino.Logger): void {
  fastify.setGenReqId((raw) => requestIdFrom(raw.headers[REQUEST_ID_HEADER]));
  fastify.addHook('onRequest', (req: Scoped, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, req.id);
    const scope = { logger: root.child({ request_id: req.id }), open: true };
    req[SCOPE] = scope;
    requestLogScope.run(scope, done);
  });
  // Once authenticated (the gate has run), what the handler logs names the key as well.
  fastify.addHook('preHandler', (req: Scoped, _reply, done) => {
    const scope = req[SCOPE];
    if (scope) scope.logger = root.child({ request_id: req.id, key_id: principalOf(req).keyId });
    done();
  });
  fastify.addHook('onResponse', (req: Scoped, reply, done) => {
    const scope = req[SCOPE];
    if (scope) scope.open = false;
    writeAccessLine(root, req, reply);
    done();
  });
}

/**
 * A request the router refuses before any hook runs (Fastify's frameworkErrors: a path that is not
 * valid URL encoding, a path parameter too long): its id and its access line all the same.
 */
export function logRouterRefusal(
  root: pino.Logger,
  req: FastifyRequest,
  reply: FastifyReply,
): void {
  void reply.header(REQUEST_ID_HEADER, req.id);
  reply.raw.once('finish', () => writeAccessLine(root, req, reply));
}

function writeAccessLine(root: pino.Logger, req: FastifyRequest, reply: FastifyReply): void {
  const status = reply.statusCode;
  const line = {
    [COMPONENT]: 'http',
    request_id: req.id,
    key_id: principalOf(req).keyId,
    method: req.method,
    route: req.routeOptions.url ?? 'unmatched',
    status,
    duration_ms: Math.round(reply.elapsedTime * 10) / 10,
  };
  // 5xx: the error itself is logged where it was caught, with its stack and this request id.
  const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
  root[level](line, 'request completed');
}
