import { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { toEnvelope } from '@libs/http/error.filter';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DocumentBuilder, getSchemaPath, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { withIdempotencyKeyHeader } from '@libs/http/idempotency-route';
import { ErrorEnvelopeView } from '@libs/http/openapi';
import { IdempotencyHooks } from '../modules/idempotency/interface/http/idempotency.hooks';
import { HttpMetrics } from '../modules/system/interface/http/http-metrics';
import { parseJson, stringifyJson } from '@libs/core/json';
import { RequestGate } from '../modules/auth/interface/http/request-gate';
import { PUBLIC_ROUTE_CONFIG } from '../modules/auth/interface/http/public.decorator';
import { refuseNulInUrl } from '@libs/http/url-text';
import { AppDependencies, AppModule } from './app.module';
import { applySecurityHeaders, clientErrorHandler, originGuard } from './http-edge';
import { registerUploadParsing } from '../modules/reconciliation/interface/http/upload-parsing';
import { AppLogger, SILENT_LOGGER } from './logging/app-logger';
import { logRouterRefusal, registerRequestLogging } from './logging/request-logging';

export interface HttpAppOptions extends AppDependencies {
  bodyLimitMb: number;
  /** `server.allowed_origins`: browser origins besides the API's own that may write. */
  allowedOrigins?: readonly string[];
  logLevels?: LogLevel[] | false;
  /** pino for Nest's messages and the access lines (src/app/logging); absent = no access lines. */
  logger?: AppLogger;
}

/** The body limit of public routes (GET /health and the docs: nothing to send). */
const PUBLIC_BODY_LIMIT = 16 * 1024;

/** Where the docs page and the OpenAPI document are served (public, see onRoute). */
const DOCS_PATH = 'docs';
const DOCUMENT_PATH = 'openapi.json';

function isDocsRoute(url: string): boolean {
  return url === `/${DOCS_PATH}` || url.startsWith(`/${DOCS_PATH}/`) || url === `/${DOCUMENT_PATH}`;
}

export interface RouteInfo {
  method: string;
  url: string;
}
const ROUTES = new WeakMap<NestFastifyApplication, RouteInfo[]>();

/** Every route the server registered (for the OpenAPI completeness check). */
export function registeredRoutes(app: NestFastifyApplication): RouteInfo[] {
  return ROUTES.get(app) ?? [];
}

/**
 * The HTTP application: Fastify with a lossless JSON codec (big integers both ways), Blnk's error
 * envelope for everything including body-parsing failures and Node's own refusals, security
 * headers, and the OpenAPI document at /openapi.json with a docs page at /docs.
 *
 * Order of a request (docs/security.md, "The edge"): the router (a bad URL is refused here), then
 * `onRequest`: rate limit, authentication and scope (RequestGate), then the origin of a write;
 * only then is the body read, and only as `application/json`, up to the body limit.
 */
export async function createHttpApp(opts: HttpAppOptions): Promise<NestFastifyApplication> {
  const bodyLimit = opts.bodyLimitMb * 1024 * 1024;
  const adapter = new FastifyAdapter({
    bodyLimit,
    routerOptions: {
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
      // 512-character ids and references, percent-encoded (3 × 4 bytes a character).
      maxParamLength: 6144,
    },
    // Fastify's own refusals (a bad URL encoding, a path parameter too long) in Blnk's envelope.
    // They come before any hook, so the security headers are set here.
    frameworkErrors: (err: Error, req: FastifyRequest, reply: FastifyReply) => {
      const { status, body } = toEnvelope(err);
      applySecurityHeaders(req, reply);
      logRouterRefusal(opts.logger?.root ?? SILENT_LOGGER, req, reply);
      void reply
        .status(status)
        .header('content-type', 'application/json; charset=utf-8')
        .send(body);
    },
    clientErrorHandler,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(opts), adapter, {
    bodyParser: false,
    logger: opts.logger?.nest ?? opts.logLevels ?? ['error', 'warn'],
  });
  const fastify = app.getHttpAdapter().getInstance();
  const routes: RouteInfo[] = [];
  // The docs' routes are public like the @Public() ones: the request gate finds the flag on the
  // matched route. They are known by the paths the docs are set up with below (the same
  // constants), not by when they register: the static assets' route is added by a plugin that
  // loads only at ready(), after the setup call returned.
  fastify.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
    if (isDocsRoute(r.url)) {
      r.config = { ...(r.config as object), [PUBLIC_ROUTE_CONFIG]: true } as typeof r.config;
    }
    if ((r.config as Record<string, unknown> | undefined)?.[PUBLIC_ROUTE_CONFIG] === true) {
      r.bodyLimit = Math.min(r.bodyLimit ?? bodyLimit, PUBLIC_BODY_LIMIT);
    }
  });
  ROUTES.set(app, routes);
  // Before the gate: a refused request has its request id and access line too.
  registerRequestLogging(fastify, opts.logger?.root ?? SILENT_LOGGER);
  const gate = app.get(RequestGate);
  fastify.addHook('onRequest', (req, reply) => gate.onRequest(req, reply));
  fastify.addHook('onRequest', originGuard(opts.allowedOrigins ?? []));
  fastify.addHook('preParsing', refuseNulInUrl);
  // Idempotency-Key: preHandler (after authentication and parsing) and onSend (the exact answer).
  app.get(IdempotencyHooks).register(fastify);
  // Request durations by route pattern and status for GET /metrics (onResponse).
  app.get(HttpMetrics).register(fastify);
  // JSON only (finding 9): a browser sends text/plain, a form or multipart across origins without
  // asking first; any other type is 415 before the body is read.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    (_req, body, done) => {
      const text = (body as string).trim();
      if (!text) return done(null, undefined);
      try {
        done(null, parseJson(text));
      } catch (e) {
        done(e as Error, undefined);
      }
    },
  );
  // Multipart for the statement upload alone (the route streams it; anywhere else 415).
  await registerUploadParsing(app);
  fastify.setReplySerializer((payload) => stringifyJson(payload));
  // Errors fastify raises itself (body too large, bad JSON) reach Nest's error handler, which
  // passes them through ErrorEnvelopeFilter like any other: one envelope for everything.
  fastify.addHook('onSend', async (req, reply, payload) => {
    applySecurityHeaders(req, reply);
    return payload;
  });

  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApi(app), {
    jsonDocumentUrl: DOCUMENT_PATH,
    customSiteTitle: 'Neraca API',
  });
  await app.init();
  return app;
}

export function buildOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Neraca')
    .setDescription(
      'Double-entry ledger, wire-compatible with Blnk Core. Big integers (precise_amount and every ' +
        'balance field) are bare JSON numbers of any size. Errors use the envelope ' +
        '{"error": "...", "error_detail": {"code", "message", "details"}}.',
    )
    .setVersion('0.1.0')
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    // Relative: the server that serves the document (generators take the base URL as an option).
    .addServer('/', 'The server this document was fetched from')
    .addApiKey({ type: 'apiKey', name: 'X-Blnk-Key', in: 'header' }, 'X-Blnk-Key')
    .addSecurityRequirements('X-Blnk-Key')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  withIdempotencyKeyHeader(document, getSchemaPath(ErrorEnvelopeView));
  return document;
}
