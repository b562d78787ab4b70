/**
 * Issue 18: where the API's and the worker's CPU goes, from the V8 CPU profiles that
 * `npm run bench -- --profile DIR` makes Neraca's processes write.
 *
 *   npx swc bench test/support/invariants.ts -d dist --ignore "**\/*.spec.ts"
 *   node dist/bench/profile-report.js DIR/*.cpuprofile [--from T] [--to T] [--transfers N]
 *     [--top 15] [--timeline]
 *
 * `--from` / `--to` (ISO time or epoch ms, wall clock) keep only the samples of that window, for
 * example the first and last `created_at` of a phase's rows; the profile's own clock is
 * CLOCK_MONOTONIC, so the window is converted with this machine's offset between the two clocks
 * (same boot). `--transfers N` divides each category by N transfers and prints ms per 1,000.
 *
 * Each sample's time goes to one category. The sampled (leaf) frame decides when it is
 * decisive (a package, our code, a crypto or HTTP builtin, GC, idle); generic frames (events,
 * streams, sockets, buffers, timers, native writes, RegExp) are transparent and the time goes to
 * the nearest decisive caller on the stack, so a socket write made by `pg` counts as SQL driver
 * and one made by fastify as HTTP. V8 builtins such as JSON.stringify have no frame of their own:
 * their time is in the self time of the function that called them.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const argv = process.argv.slice(2);
const opt = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const VALUED = ['--from', '--to', '--transfers', '--top', '--weight'];
const files = argv.filter((a, i) => a.endsWith('.cpuprofile') && !VALUED.includes(argv[i - 1]));
const transfers = Number(opt('transfers') ?? 0);
const top = Number(opt('top') ?? 15);
/** `--weight time`: each sample weighs its time delta (wall time); default: the nominal interval. */
const byTime = opt('weight') === 'time';

/** Wall clock (ISO or epoch ms) to the profile clock (CLOCK_MONOTONIC, µs). */
function monotonicUs(wall: string | undefined): number | undefined {
  if (wall === undefined) return undefined;
  const ms = /^\d+(\.\d+)?$/.test(wall) ? Number(wall) : Date.parse(wall);
  if (Number.isNaN(ms)) throw new Error(`not a time: ${wall}`);
  const offsetUs = Date.now() * 1000 - Number(process.hrtime.bigint() / 1000n);
  return ms * 1000 - offsetUs;
}
const from = monotonicUs(opt('from'));
const to = monotonicUs(opt('to'));

const HTTP = 'HTTP (fastify, node:_http*)';
const VALIDATION = 'validation (class-validator/-transformer, DTOs, pipe)';
const JSON_ = 'JSON (lossless-json, libs/core/json, serializers)';
const HASH = 'hashing (node:crypto, hash/signature files)';
const SQL = 'SQL driver (pg, pg-protocol, pg-types, typeorm)';
const REDIS = 'Redis (ioredis, bullmq)';
const LOG = 'logging (pino*, src/app/logging)';
const OTEL = 'OpenTelemetry (@opentelemetry, nestjs-otel)';
const NEST = 'Nest core (@nestjs, rxjs, reflect-metadata)';
const ASYNC = 'async_hooks / AsyncLocalStorage';
const MICRO = 'promise jobs (runMicrotasks)';
const SOCKET = 'socket I/O, caller not on the stack';
const GC = 'GC';
const PROGRAM = 'V8/native (program)';
const LOADER = 'module loading';
const IDLE = 'idle';
const OTHER = 'other';

const PACKAGES: [RegExp, string][] = [
  [/^(@opentelemetry\/|nestjs-otel$|@fastify\/otel$|require-in-the-middle$|shimmer$)/, OTEL],
  [/^(class-validator|class-transformer|validator|libphonenumber-js)$/, VALIDATION],
  [
    /^(fast-json-stringify|@fastify\/fast-json-stringify-compiler|secure-json-parse|lossless-json)$/,
    JSON_,
  ],
  [
    /^(fastify|@fastify\/|find-my-way|light-my-request|avvio|fast-querystring|fast-content-type-parse|@nestjs\/platform-fastify|toad-cache|fast-decode-uri-component|safe-regex2|ret|process-warning|abstract-logging)/,
    HTTP,
  ],
  [
    /^(pg|pg-protocol|pg-types|pg-pool|pg-connection-string|postgres-[a-z]+|typeorm|pgpass|buffer-writer|packet-reader)$/,
    SQL,
  ],
  [
    /^(ioredis|bullmq|redis-parser|redis-errors|cluster-key-slot|denque|msgpackr|cron-parser|standard-as-callback)$/,
    REDIS,
  ],
  [
    /^(pino|pino-[a-z-]+|nestjs-pino|sonic-boom|fast-redact|thread-stream|quick-format-unescaped|atomic-sleep|on-exit-leak-free|fast-safe-stringify)$/,
    LOG,
  ],
  [/^(@nestjs\/|rxjs$|reflect-metadata$|iterare$|path-to-regexp$|tslib$|uid$)/, NEST],
];

/** Our code: a category of its own for the files that do one of the jobs above, else by module. */
function ours(path: string): string {
  if (/\.dto\.js$|libs\/http\/(validation\.pipe|validators)\.js$/.test(path)) return VALIDATION;
  if (/transaction\/domain\/hash\.js$|libs\/core\/blnk-signature\.js$|chain/.test(path))
    return HASH;
  if (/libs\/core\/json\.js$/.test(path)) return JSON_;
  if (/^src\/app\/logging\//.test(path)) return LOG;
  const m =
    /^src\/modules\/([^/]+)\//.exec(path) ??
    /^src\/app\/([^/.]+)/.exec(path) ??
    /^libs\/([^/]+)\//.exec(path);
  const where = path.startsWith('src/modules/') ? '' : path.startsWith('libs/') ? 'libs/' : 'app/';
  return `ours: ${where}${m ? m[1] : path}`;
}

/** The category a frame decides, or undefined when it is transparent. */
function decisive(f: CallFrame): string | undefined {
  const { url, functionName: fn } = f;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return PACKAGES.find(([re]) => re.test(pkg[1]))?.[1] ?? `other package: ${pkg[1]}`;
  const dist = /\/dist\/((?:src|libs)\/.*)$/.exec(url);
  if (dist) return ours(dist[1]);
  if (/^node:(_http_|internal\/http)/.test(url)) return HTTP;
  if (/^node:(crypto|internal\/crypto\/)/.test(url)) return HASH;
  if (/^node:(async_hooks|internal\/async_hooks|internal\/async_local_storage)/.test(url))
    return ASYNC;
  if (/^node:internal\/modules\//.test(url) || fn === 'internalModuleStat') return LOADER;
  if (url === '') {
    if (fn === '(garbage collector)') return GC;
    if (fn === '(idle)') return IDLE;
    if (fn === '(program)') return PROGRAM;
  }
  return undefined;
}

function fallback(f: CallFrame): string {
  if (f.functionName === 'runMicrotasks') return MICRO;
  if (/^node:(net|stream|internal\/streams\/|internal\/stream_base_commons)/.test(f.url))
    return SOCKET;
  if (/^(writev|writeBuffer|writeString|writeUtf8String|readStart|read)$/.test(f.functionName))
    return SOCKET;
  return OTHER;
}

const fmt = (us: number) => (us / 1000).toFixed(0);
const perK = (us: number) => (transfers > 0 ? ((us / 1000 / transfers) * 1000).toFixed(1) : '');

function report(file: string): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Only `neraca workers` runs a BullMQ Worker (both load fastify).
  const isWorker = p.nodes.some((n) =>
    /bullmq\/dist\/cjs\/classes\/worker\.js$/.test(n.callFrame.url),
  );
  const category = new Map<number, string>();
  const categoryOf = (id: number): string => {
    const known = category.get(id);
    if (known) return known;
    let c: string | undefined;
    for (let at: number | undefined = id; at !== undefined && !c; at = parent.get(at)) {
      c = decisive(byId.get(at)!.callFrame);
      // async_hooks decides only as the sampled frame: as a caller it is a pass-through
      // (runInAsyncScope, AsyncLocalStorage.run), and the time below it belongs to what it runs.
      if (c === ASYNC && at !== id) c = undefined;
    }
    const result = c ?? fallback(byId.get(id)!.callFrame);
    category.set(id, result);
    return result;
  };

  const byCategory = new Map<string, number>();
  /** Self time per function, and per category (one function is reached from several callers). */
  const byFunction = new Map<string, { us: number; categories: Map<string, number> }>();
  const perSecond = new Map<number, number>();
  // The nominal sampling interval: the median time between samples. A longer gap is mostly time
  // the thread spent runnable but descheduled on a busy machine, not CPU, so by default each
  // sample counts as one interval and the sum estimates CPU time, not wall time.
  const sorted = p.timeDeltas.slice(1).sort((a, b) => a - b);
  const interval = sorted[Math.floor(sorted.length / 2)] ?? 1000;
  let t = p.startTime;
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i];
    const us = byTime ? (p.timeDeltas[i + 1] ?? 0) : interval;
    if ((from !== undefined && t < from) || (to !== undefined && t >= to)) continue;
    first = Math.min(first, t);
    last = Math.max(last, t);
    const id = p.samples[i];
    const c = categoryOf(id);
    byCategory.set(c, (byCategory.get(c) ?? 0) + us);
    if (c !== IDLE) {
      const sec = Math.floor((t - p.startTime) / 1e6);
      perSecond.set(sec, (perSecond.get(sec) ?? 0) + us);
    }
    const f = byId.get(id)!.callFrame;
    const file = f.url.replace(/^.*\/(node_modules|dist)\//, '');
    const key = `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`;
    const entry = byFunction.get(key) ?? { us: 0, categories: new Map<string, number>() };
    entry.us += us;
    entry.categories.set(c, (entry.categories.get(c) ?? 0) + us);
    byFunction.set(key, entry);
  }
  const busy = [...byCategory].filter(([c]) => c !== IDLE).reduce((s, [, us]) => s + us, 0);
  const span = last - first;
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(`\n## ${isWorker ? 'worker' : 'API'} (${basename(file)})`);
  out(
    byTime
      ? 'weight: time between samples (wall time while not idle)'
      : `weight: ${(interval / 1000).toFixed(2)} ms (the median interval) per sample, an estimate of CPU time`,
  );
  out(
    `window ${(span / 1e6).toFixed(1)} s, CPU ${fmt(busy)} ms (${((busy / Math.max(span, 1)) * 100).toFixed(0)}% of one core)` +
      (transfers > 0 ? `, ${transfers} transfers: ${perK(busy)} ms per 1,000` : ''),
  );
  out('\n| category | ms | ms per 1,000 transfers | share of CPU |');
  out('| --- | ---: | ---: | ---: |');
  for (const [c, us] of [...byCategory].sort((a, b) => b[1] - a[1])) {
    if (c === IDLE) continue;
    out(`| ${c} | ${fmt(us)} | ${perK(us)} | ${((us / busy) * 100).toFixed(1)}% |`);
  }
  out(`| ${IDLE} (not CPU) | ${fmt(byCategory.get(IDLE) ?? 0)} | | |`);
  out(`\n| top self-time function | ms | ms per 1,000 transfers | category |`);
  out('| --- | ---: | ---: | --- |');
  const fns = [...byFunction].filter(([, v]) => !v.categories.has(IDLE));
  for (const [k, v] of fns.sort((a, b) => b[1].us - a[1].us).slice(0, top)) {
    const cats = [...v.categories].sort((a, b) => b[1] - a[1]);
    const where = cats
      .slice(0, 2)
      .map(([c, us]) => (cats.length > 1 ? `${c} ${((us / v.us) * 100).toFixed(0)}%` : c))
      .join(', ');
    out(`| \`${k}\` | ${fmt(v.us)} | ${perK(v.us)} | ${where} |`);
  }
  if (argv.includes('--timeline')) {
    const secs = [...perSecond.keys()].sort((a, b) => a - b);
    out(
      `\nCPU ms per second since the profile began: ${secs.map((s) => `${s}:${fmt(perSecond.get(s)!)}`).join(' ')}`,
    );
  }
}

if (files.length === 0) {
  process.stderr.write(
    'usage: node dist/bench/profile-report.js FILE.cpuprofile... [--from T] [--to T] [--transfers N]\n',
  );
  process.exit(2);
}
for (const f of files) report(f);
