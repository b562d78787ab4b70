import {
  context,
  Link,
  ROOT_CONTEXT,
  Span,
  SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
} from '@opentelemetry/api';
import { DomainError } from '@libs/core/domain-error';

/**
 * Spans of the ledger's own work, and the W3C trace context that crosses the queue in the work
 * item (docs/architecture.md, "Tracing"). Only the OpenTelemetry API is used here: without the
 * SDK (telemetry off, the default) every call is a no-op on a non-recording span and no context
 * is ever captured.
 */
const tracer = trace.getTracer('neraca');

/** W3C's `traceparent`, version 00: the form of queued_work.trace_parent and its CHECK. */
const TRACE_PARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The active span's context as a `traceparent` header value, or undefined when there is none. */
export function currentTraceParent(): string | undefined {
  const span = trace.getActiveSpan();
  if (!span || !span.isRecording()) return undefined;
  const c = span.spanContext();
  // Formatted here, not by the configured propagator: the column holds W3C's form whatever
  // OTEL_PROPAGATORS says (and its CHECK accepts nothing else). The ids may come from a client's
  // header: the API and the Jaeger and B3 propagators take them in either case (and Jaeger's
  // pads short ones), so they are lower-cased here, and anything still not of the column's form
  // is no context at all rather than a CHECK violation that refuses the transfer.
  const value =
    `00-${c.traceId}-${c.spanId}-${(c.traceFlags & 0xff).toString(16).padStart(2, '0')}`.toLowerCase();
  return TRACE_PARENT.test(value) && trace.isSpanContextValid(c) ? value : undefined;
}

/** The span context a `traceparent` value names, or undefined for anything else. */
export function parseTraceParent(value: string): SpanContext | undefined {
  const m = TRACE_PARENT.exec(value);
  if (!m) return undefined;
  const c: SpanContext = {
    traceId: m[1],
    spanId: m[2],
    traceFlags: parseInt(m[3], 16),
    isRemote: true,
  };
  return trace.isSpanContextValid(c) ? c : undefined;
}

/** Runs `fn` in a new child span of the active one; a throw marks the span with the error. */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      failed(span, e);
      throw e;
    } finally {
      span.end();
    }
  });
}

/**
 * A span that serves many requests (a drain batch): not a child of any of them, but linked to
 * each one's context (`traceparent` values; duplicates and invalid ones are dropped). Started at
 * `startTime`, so it can be created once the work is known.
 */
export function linkedSpan(
  name: string,
  traceParents: readonly (string | undefined)[],
  attributes: Attributes,
  startTime: number,
): LinkedSpan {
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const tp of traceParents) {
    if (!tp || seen.has(tp)) continue;
    seen.add(tp);
    const linked = parseTraceParent(tp);
    if (linked) links.push({ context: linked });
  }
  // A root: in embedded mode the drain may run in the context of the request that signalled it.
  const span = tracer.startSpan(
    name,
    { kind: SpanKind.CONSUMER, links, attributes, startTime },
    ROOT_CONTEXT,
  );
  return {
    span,
    run: (fn) => context.with(trace.setSpan(context.active(), span), fn),
    end(more, error) {
      if (more) span.setAttributes(more);
      if (error !== undefined) failed(span, error);
      span.end();
    },
  };
}

/**
 * Runs `fn` outside any trace: background work (a drain the in-process queue started from a
 * request's wake-up) is not part of the request that happened to trigger it.
 */
export function detached<T>(fn: () => T): T {
  return context.with(ROOT_CONTEXT, fn);
}

export interface LinkedSpan {
  span: Span;
  run<T>(fn: () => T): T;
  end(attributes?: Attributes, error?: unknown): void;
}

function failed(span: Span, e: unknown): void {
  if (e instanceof DomainError) {
    // A refusal (an answer in the 4xx envelope) is the request's outcome, not a fault.
    span.setAttribute('error.type', e.code);
    return;
  }
  span.recordException(e instanceof Error ? e : String(e));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: e instanceof Error ? e.message : String(e),
  });
}
