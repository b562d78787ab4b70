import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from '../support/database';
import { NeracaProcess, spawnNeraca, stopAll } from '../support/neraca-process';
import { OtlpReceiver, ReceivedSpan, startOtlpReceiver } from '../support/otlp-receiver';
import { keyedCall } from '../support/keyed-call';
import { waitFor } from '../support/wait';

const DSN = process.env.BLNK_DATA_SOURCE_DNS;
const REDIS = process.env.BLNK_REDIS_DNS;
const KEY = 'telemetry-master-key-of-32-characters';
/** With PostgreSQL and Redis the API and a worker are two processes; without, one embedded API. */
const SPLIT = !!(DSN && REDIS);
const SERVER_KIND = 2; // SPAN_KIND_SERVER

/**
 * A preload for the spawned processes (NODE_OPTIONS=--require): at exit it writes which
 * OpenTelemetry SDK, exporter and instrumentation modules the process had loaded.
 */
function loadedProbe(dir: string): { file: string; out: string } {
  const file = join(dir, 'probe.js');
  const out = join(dir, 'loaded.json');
  writeFileSync(
    file,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, ` +
      `JSON.stringify(Object.keys(require.cache).filter((m) => ` +
      `/@opentelemetry[\\\\/](sdk-|exporter-|instrumentation)|@fastify[\\\\/]otel/.test(m)))));`,
  );
  return { file, out };
}

const call = keyedCall(KEY);

/** The processes of one run: an API (and a worker when SPLIT), telemetry on or off. */
async function startProcesses(
  dir: string,
  dsn: string | undefined,
  prefix: string,
  telemetry: Record<string, string>,
  probe: string,
): Promise<NeracaProcess[]> {
  const env: Record<string, string> = {
    BLNK_SERVER_SECRET_KEY: KEY,
    NERACA_DATA_DIR: dir,
    NERACA_QUEUE_PREFIX: prefix,
    NERACA_QUEUE_SWEEP_INTERVAL: '300ms',
    NERACA_LOG_LEVEL: 'warn',
    // Spans are sent every 200 ms instead of every 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_METRIC_EXPORT_INTERVAL: '1000',
    NODE_OPTIONS: `--require ${probe}`,
    ...(dsn ? { BLNK_DATA_SOURCE_DNS: dsn, BLNK_REDIS_DNS: REDIS! } : {}),
    ...telemetry,
  };
  const api = await spawnNeraca('api', ['start', '--port', '0'], env, /listening on/, 180000);
  if (!SPLIT) return [api];
  // The worker exports in the default protocol (protobuf), the API in the one set for it.
  const { OTEL_EXPORTER_OTLP_PROTOCOL: _json, ...workerEnv } = env;
  void _json;
  const worker = await spawnNeraca('worker', ['workers'], workerEnv, /workers running/, 180000);
  return [api, worker];
}

/** Queued transfers, each waited for until it has its outcome. */
async function transfer(url: string, reference: string): Promise<string> {
  const ledger = (await call(url, 'POST', '/ledgers', { name: 'telemetry' })).json.ledger_id;
  const to = (await call(url, 'POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json
    .balance_id;
  const r = await call(url, 'POST', '/transactions', {
    source: '@World',
    destination: to,
    precise_amount: 100,
    currency: 'USD',
    reference,
    description: 'telemetry',
    allow_overdraft: true,
  });
  expect(r.status).toBe(201);
  expect(r.json.status).toBe('QUEUED');
  await waitFor(
    async () => {
      const b = (await call(url, 'GET', `/balances/${to}`)).json;
      return BigInt(b.balance) === 100n ? true : undefined;
    },
    60000,
    `${reference} to be applied`,
  );
  return r.json.transaction_id as string;
}

/** Trace headers a client may send, each read by one of the propagators an operator may set. */
const HOSTILE: Record<string, Record<string, string>> = {
  garbage: { traceparent: "'); DROP TABLE queued_work; --" },
  huge: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01${'-x'.repeat(5000)}` },
  unicode: { traceparent: '00-ünïcödé-trace-01' },
  'forged but valid, sampled': { traceparent: `00-${'1f'.repeat(16)}-${'2e'.repeat(8)}-01` },
  'forged, not sampled': { traceparent: `00-${'3d'.repeat(16)}-${'4c'.repeat(8)}-00` },
  'future version, extra fields': {
    traceparent: `cc-${'5b'.repeat(16)}-${'6a'.repeat(8)}-01-what-ever`,
  },
  'all flags set': { traceparent: `00-${'7f'.repeat(16)}-${'8e'.repeat(8)}-ff` },
  'upper-case W3C': { traceparent: `00-${'AB'.repeat(16)}-${'CD'.repeat(8)}-01` },
  // Jaeger's and B3's propagators take ids in either case (Jaeger pads short ones too).
  'upper-case Jaeger': { 'uber-trace-id': `${'AB'.repeat(16)}:${'CD'.repeat(8)}:0:1` },
  'short Jaeger': { 'uber-trace-id': 'ABC:DEF:0:1' },
  'upper-case B3 multi': {
    'x-b3-traceid': 'EF'.repeat(16),
    'x-b3-spanid': '0A'.repeat(8),
    'x-b3-sampled': '1',
  },
  'upper-case B3 single': { b3: `${'EF'.repeat(16)}-${'0A'.repeat(8)}-1` },
};

/**
 * One transfer per hostile header set, all at once (group commit writes them with each other's
 * transfers): each is accepted (201) and applied. The work item's trace_parent has a CHECK, so a
 * context taken from a header and written unchecked would refuse the transfer with a 500.
 */
async function hostileTraceHeaders(url: string, run: string): Promise<void> {
  const ledger = (await call(url, 'POST', '/ledgers', { name: run })).json.ledger_id;
  const cases = Object.entries(HOSTILE);
  const to: string[] = [];
  for (let i = 0; i < cases.length; i++)
    to.push(
      (await call(url, 'POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json
        .balance_id,
    );
  const answers = await Promise.all(
    cases.map(async ([name, headers], i) => {
      const r = await fetch(`${url}/transactions`, {
        method: 'POST',
        headers: { 'x-blnk-key': KEY, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          source: '@World',
          destination: to[i],
          precise_amount: 100,
          currency: 'USD',
          reference: `${run}-${i}`,
          description: name,
          allow_overdraft: true,
        }),
      });
      return { name, status: r.status, body: await r.text() };
    }),
  );
  expect(answers.filter((a) => a.status !== 201)).toEqual([]);
  for (const [i, balance] of to.entries())
    await waitFor(
      async () => BigInt((await call(url, 'GET', `/balances/${balance}`)).json.balance) === 100n,
      60000,
      `the transfer with ${cases[i][0]} trace headers to be applied`,
    );
}

/**
 * OpenTelemetry (issue 17): off by default; with enable_observability on, one transfer is one
 * trace from the HTTP request through acceptance, and the worker's drain batch links to it
 * through the trace context carried in the queued work item.
 */
describe('telemetry', () => {
  let dir: string;
  let receiver: OtlpReceiver;
  let db: TestDatabase | undefined;
  const procs: NeracaProcess[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'neraca-telemetry-'));
    receiver = await startOtlpReceiver();
    if (SPLIT) db = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await stopAll(procs);
    await receiver.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('on: the HTTP span, the acceptance span and the batch span linked to it are exported', async () => {
    const probe = loadedProbe(join(dir));
    const run = await startProcesses(
      join(dir, 'on'),
      db?.dsn,
      `tel-on-${process.pid}`,
      {
        BLNK_ENABLE_OBSERVABILITY: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      },
      probe.file,
    );
    procs.push(...run);
    const url = run[0].url!;
    await transfer(url, 'tel-1');

    const byTrace = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
    const accept = await waitFor(
      async () => {
        const http = receiver.spans.find(
          (s) => s.kind === SERVER_KIND && s.name === 'POST /transactions',
        );
        if (!http) return undefined;
        return byTrace(http.traceId).find((s) => s.name === 'neraca.transaction.accept');
      },
      30000,
      'the acceptance span',
    );
    const trace = byTrace(accept.traceId);
    const http = trace.find((s) => s.kind === SERVER_KIND)!;
    expect(http.service).toBe('neraca-api');
    expect(http.parentSpanId).toBe('');
    expect(accept.attributes['neraca.route']).toBe('queue');
    // The acceptance span descends from the HTTP span (through Fastify's request span).
    expect(ancestors(accept, trace).map((s) => s.spanId)).toContain(http.spanId);
    // pg, and Fastify's request lifecycle, are instrumented inside the request's trace.
    const scopes = new Set(trace.map((s) => s.scope));
    expect(scopes).toContain('@opentelemetry/instrumentation-pg');
    expect(scopes).toContain('@fastify/otel');
    if (SPLIT) expect(scopes).toContain('@opentelemetry/instrumentation-ioredis');

    const batch = await waitFor(
      async () =>
        receiver.spans.find(
          (s) =>
            s.name === 'neraca.drain.batch' &&
            s.links.some((l) => l.traceId === accept.traceId && l.spanId === accept.spanId),
        ),
      30000,
      'the drain batch span linked to the acceptance span',
    );
    expect(batch.service).toBe(SPLIT ? 'neraca-workers' : 'neraca-api');
    // Linked, not a child: the batch serves many requests.
    expect(batch.traceId).not.toBe(accept.traceId);
    expect(batch.parentSpanId).toBe('');
    expect(batch.attributes['neraca.batch.size']).toBeGreaterThanOrEqual(1);
    expect(batch.attributes['neraca.batch.applied']).toBeGreaterThanOrEqual(1);
    expect(batch.attributes['neraca.batch.result']).toBe('committed');
    expect(typeof batch.attributes['neraca.lane']).toBe('number');
    if (SPLIT) {
      // The API sent http/json, the worker the default http/protobuf.
      expect(receiver.requests).toContain('/v1/traces application/json');
      expect(receiver.requests).toContain('/v1/traces application/x-protobuf');
    }

    // Concurrent transfers are accepted together (group commit: one database transaction for
    // many requests, run in one of their contexts): each keeps its own context all the same, so
    // every acceptance span is linked from a batch span.
    const ledger = (await call(url, 'POST', '/ledgers', { name: 'burst' })).json.ledger_id;
    const to: string[] = [];
    for (let i = 0; i < 20; i++)
      to.push(
        (await call(url, 'POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json
          .balance_id,
      );
    const burst = await Promise.all(
      to.map((destination, i) =>
        call(url, 'POST', '/transactions', {
          source: '@World',
          destination,
          precise_amount: 1,
          currency: 'USD',
          reference: `tel-burst-${i}`,
          description: 'burst',
          allow_overdraft: true,
        }),
      ),
    );
    expect(burst.map((r) => r.status)).toEqual(to.map(() => 201));
    const linked = (s: ReceivedSpan) =>
      receiver.spans.some(
        (b) =>
          b.name === 'neraca.drain.batch' &&
          b.links.some((l) => l.traceId === s.traceId && l.spanId === s.spanId),
      );
    await waitFor(
      async () => {
        const accepts = receiver.spans.filter((s) => s.name === 'neraca.transaction.accept');
        return accepts.length === 21 && accepts.every(linked) ? true : undefined;
      },
      30000,
      'every acceptance span to be linked from a batch',
    ).catch((e: Error) => {
      const accepts = receiver.spans.filter((s) => s.name === 'neraca.transaction.accept');
      throw new Error(
        `${e.message}: ${accepts.length} acceptance spans, ${accepts.filter(linked).length} linked`,
      );
    });

    await stopAll(run);
    // The probe itself sees the SDK when it is loaded.
    expect(JSON.parse(readFileSync(probe.out, 'utf8')).length).toBeGreaterThan(0);
  });

  it('on: spans still buffered at SIGTERM are exported before the process exits', async () => {
    const probe = loadedProbe(join(dir));
    const run = await startProcesses(
      join(dir, 'flush'),
      db?.dsn,
      `tel-flush-${process.pid}`,
      {
        BLNK_ENABLE_OBSERVABILITY: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        // Nothing is sent on a schedule: only the shutdown's flush can send it.
        OTEL_BSP_SCHEDULE_DELAY: '600000',
        OTEL_METRIC_EXPORT_INTERVAL: '600000',
      },
      probe.file,
    );
    procs.push(...run);
    const ledger = await call(run[0].url!, 'POST', '/ledgers', { name: 'flushed-at-exit' });
    expect(ledger.status).toBe(201);
    const mine = () =>
      receiver.spans.filter((s) => s.kind === SERVER_KIND && s.name === 'POST /ledgers');
    const before = mine().length;
    await stopAll(run);
    expect(run[0].output()).not.toContain('shutdown took longer');
    expect(mine().length).toBe(before + 1);
  });

  it('on, every propagator: no trace header a client sends can refuse a transfer; no query value in a span', async () => {
    const probe = loadedProbe(join(dir));
    const run = await startProcesses(
      join(dir, 'hostile'),
      db?.dsn,
      `tel-hostile-${process.pid}`,
      {
        BLNK_ENABLE_OBSERVABILITY: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_PROPAGATORS: 'tracecontext,baggage,jaeger,b3multi,b3',
      },
      probe.file,
    );
    procs.push(...run);
    try {
      await hostileTraceHeaders(run[0].url!, 'tel-hostile');
      // A query string holds what a client searched for (names, e-mail addresses): spans keep
      // its parameter names, never their values.
      const pii = `pii-${process.pid}@mail.example`;
      const listed = await call(
        run[0].url!,
        'GET',
        `/ledgers?name=${encodeURIComponent(pii)}&meta_data.email=${encodeURIComponent(pii)}`,
      );
      expect(listed.status).toBe(200);
      const spans = await waitFor(
        async () => {
          const http = receiver.spans.find(
            (s) => s.kind === SERVER_KIND && s.name === 'GET /ledgers',
          );
          const fastify = http && receiver.spans.filter((s) => s.traceId === http.traceId);
          return fastify && fastify.length > 1 ? fastify : undefined;
        },
        30000,
        'the spans of GET /ledgers',
      );
      const leaks = spans.flatMap((s) =>
        Object.entries(s.attributes)
          .filter(([, v]) => JSON.stringify(v).includes('mail.example'))
          .map(([k, v]) => `${s.name} ${k}=${JSON.stringify(v)}`),
      );
      expect(leaks).toEqual([]);
    } finally {
      // Stopped even when it fails: its exports would reach the next test's receiver.
      await stopAll(run);
    }
  });

  it('off (the default): nothing is exported and no SDK is loaded', async () => {
    const probe = loadedProbe(join(dir));
    rmSync(probe.out, { force: true });
    const before = receiver.requests.length;
    const run = await startProcesses(
      join(dir, 'off'),
      db?.dsn,
      `tel-off-${process.pid}`,
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_PROPAGATORS: 'jaeger,b3multi' },
      probe.file,
    );
    procs.push(...run);
    await transfer(run[0].url!, 'tel-off-1');
    await hostileTraceHeaders(run[0].url!, 'tel-off-hostile');
    await stopAll(run);
    expect(receiver.requests.slice(before)).toEqual([]);
    expect(JSON.parse(readFileSync(probe.out, 'utf8'))).toEqual([]);
  });
});

function ancestors(span: ReceivedSpan, trace: ReceivedSpan[]): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  let cur: ReceivedSpan | undefined = span;
  while (cur?.parentSpanId) {
    cur = trace.find((s) => s.spanId === cur!.parentSpanId);
    if (cur) out.push(cur);
  }
  return out;
}
