import { FastifyOtelInstrumentation } from '@fastify/otel';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { setRunningTelemetry } from './telemetry-state';

/**
 * A query string's values are what a client searched or filtered for (names, e-mail addresses):
 * a span keeps the parameter names only (`q=REDACTED&filter_by=REDACTED`), as a log line keeps
 * none of it.
 */
export function redactedQuery(search: string): string {
  return [...new URLSearchParams(search).keys()]
    .map((k) => `${encodeURIComponent(k)}=REDACTED`)
    .join('&');
}

/** Routes scraped or probed every few seconds: a trace each would bury the ones that matter. */
const QUIET = /^\/(metrics|health)(\/|\?|$)/;

/**
 * The OpenTelemetry SDK, configured by the standard OTEL_* variables (exporters, endpoints,
 * protocol: http/protobuf unless OTEL_EXPORTER_OTLP_PROTOCOL says http/json, sampler,
 * propagators). Instrumented: incoming HTTP and Fastify's request lifecycle, and PostgreSQL
 * and Redis calls made inside a span (background polling outside any span makes none).
 * `defaultService` names the process when OTEL_SERVICE_NAME does not.
 */
export function startTelemetry(defaultService: string): void {
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ? undefined : defaultService,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => QUIET.test(req.url ?? ''),
        requireParentforOutgoingSpans: true,
        // Replaces the instrumentation's url.query (it redacts a few signature names only).
        startIncomingSpanHook: (req) => {
          const url = (req as { url?: string }).url ?? '';
          const at = url.indexOf('?');
          return at < 0 ? {} : { 'url.query': redactedQuery(url.slice(at + 1)) };
        },
      }),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        ignorePaths: (opts) => QUIET.test(opts.url),
        // Its url.path is the request's URL, query string included: the path alone.
        requestHook: (span, request) => {
          span.setAttribute('url.path', request.url.split('?')[0]);
        },
      }),
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  setRunningTelemetry(sdk);
}
