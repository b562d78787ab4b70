import { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { toEnvelope } from '@libs/http/error.filter';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { parseJson, stringifyJson } from '@libs/core/json';
import { AppDependencies, AppModule } from './app.module';

export interface HttpAppOptions extends AppDependencies {
  bodyLimitMb: number;
  logLevels?: LogLevel[] | false;
}

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

// The docs page is the one HTML response: it needs its own scripts, styles and images.
const DOCS_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

/**
 * The HTTP application: Fastify with a lossless JSON codec (big integers both ways), Blnk's error
 * envelope for everything including body-parsing failures, security headers, and the OpenAPI
 * document at /openapi.json with a docs page at /docs.
 */
export interface RouteInfo {
  method: string;
  url: string;
}
const ROUTES = new WeakMap<NestFastifyApplication, RouteInfo[]>();

/** Every route the server registered (for the OpenAPI completeness check). */
export function registeredRoutes(app: NestFastifyApplication): RouteInfo[] {
  return ROUTES.get(app) ?? [];
}

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
    frameworkErrors: (err: Error, _req: FastifyRequest, reply: FastifyReply) => {
      const { status, body } = toEnvelope(err);
      void reply
        .status(status)
        .header('content-type', 'application/json; charset=utf-8')
        .send(body);
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(opts), adapter, {
    bodyParser: false,
    logger: opts.logLevels ?? ['error', 'warn'],
  });
  const fastify = app.getHttpAdapter().getInstance();
  const routes: RouteInfo[] = [];
  fastify.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url });
  });
  ROUTES.set(app, routes);
  fastify.addContentTypeParser(
    ['application/json', 'text/plain'],
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
  fastify.setReplySerializer((payload) => stringifyJson(payload));
  // Errors fastify raises itself (body too large, bad JSON) reach Nest's error handler, which
  // passes them through ErrorEnvelopeFilter like any other: one envelope for everything.
  fastify.addHook('onSend', async (req, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    if (req.url.startsWith('/docs')) reply.header('content-security-policy', DOCS_CSP);
    if (req.protocol === 'https' || req.headers['x-forwarded-proto'] === 'https') {
      reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    }
    return payload;
  });

  SwaggerModule.setup('docs', app, () => buildOpenApi(app), {
    jsonDocumentUrl: 'openapi.json',
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
    .addApiKey({ type: 'apiKey', name: 'X-Blnk-Key', in: 'header' }, 'X-Blnk-Key')
    .addSecurityRequirements('X-Blnk-Key')
    .build();
  return SwaggerModule.createDocument(app, config);
}
