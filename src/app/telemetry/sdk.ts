import { FastifyOtelInstrumentation } from '@fastify/otel';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { setRunningTelemetry } from './telemetry-state';

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
      }),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        ignorePaths: (opts) => QUIET.test(opts.url),
      }),
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  setRunningTelemetry(sdk);
}
