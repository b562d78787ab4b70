/**
 * `npm run bench [-- --quick] [--pg URL] [--redis URL] [--scenarios a,b] [--soak-minutes N]`
 *
 * Measures Neraca against the ceiling of its own PostgreSQL in one run: pgbench baselines
 * (R1 uniform, R2 hot, R3 batched) on a scratch database, then Neraca's API and worker processes
 * on another scratch database, driven over real HTTP. Throughput counts applied transfers (read
 * from the database after the queue has drained), never accepted requests. Every scenario ends
 * with the ledger invariants; a scenario whose invariants fail is reported as failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { checkInvariants, checkQueuedOutcomes } from '../test/support/invariants';
import {
  BaselineName,
  measureBaselines,
  pgbench,
  prepareBaselineDb,
  SCRIPTS,
} from './lib/baselines';
import { BenchClient } from './lib/http-client';
import { LoadResult, openLoop, saturate } from './lib/load';
import { NeracaProcess, run, sampleRss, waitUntilHealthy } from './lib/processes';
import { BenchReport, markdown, ScenarioResult, TargetResult } from './lib/report';
import { BenchWorld, Scenario, SCENARIOS } from './lib/scenarios';
import { createDatabase, dropDatabase, ensureLocalServices } from './lib/services';
import { round, summarize } from './lib/stats';

const ROOT = resolve(__dirname, '..', '..');

interface Settings {
  quick: boolean;
  pg: URL;
  redis: URL;
  balances: number;
  batch: number;
  clientCounts: number[];
  baselineSeconds: number;
  scenarioSeconds: number;
  latencySeconds: number;
  soakMinutes: number;
  apiProcesses: number;
  workerProcesses: number;
  /** Where Neraca's processes write V8 CPU profiles (`--profile DIR`), if anywhere. */
  profileDir?: string;
  scenarios: string[];
  keep: boolean;
  out: string;
}

function parseArgs(argv: string[]): Settings {
  const flag = (name: string) => argv.includes(`--${name}`);
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = flag('quick');
  const pgUrl = new URL(
    value('pg') ??
      process.env.BLNK_DATA_SOURCE_DNS ??
      'postgres://postgres@127.0.0.1:5432/postgres',
  );
  pgUrl.search = '';
  return {
    quick,
    pg: pgUrl,
    redis: new URL(value('redis') ?? process.env.BLNK_REDIS_DNS ?? 'redis://127.0.0.1:6379/0'),
    balances: Number(value('balances') ?? (quick ? 2_000 : 100_000)),
    batch: 500,
    clientCounts: quick ? [4, 16] : [1, 4, 8, 16, 32],
    baselineSeconds: quick ? 2 : 10,
    scenarioSeconds: Number(value('seconds') ?? (quick ? 3 : 20)),
    latencySeconds: quick ? 3 : 20,
    soakMinutes: Number(value('soak-minutes') ?? (quick ? 1 / 6 : 10)),
    apiProcesses: Number(value('api') ?? 1),
    profileDir: value('profile'),
    workerProcesses: Number(value('workers') ?? 1),
    scenarios: (value('scenarios') ?? SCENARIOS.map((s) => s.name).join(',')).split(','),
    keep: flag('keep'),
    out: value('out') ?? join(ROOT, 'bench', 'results'),
  };
}

const log = (s: string) => process.stdout.write(`${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The scratch Neraca deployment: its database, API and worker processes, and a client. */
class Deployment {
  readonly procs: NeracaProcess[] = [];
  readonly clients: BenchClient[] = [];
  db!: Client;
  private rr = 0;

  constructor(
    private readonly s: Settings,
    readonly dbUrl: URL,
    private readonly key: string,
  ) {}

  private env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      BLNK_DATA_SOURCE_DNS: `${this.dbUrl.toString()}?sslmode=disable`,
      BLNK_REDIS_DNS: this.s.redis.toString(),
      BLNK_SERVER_SECRET_KEY: this.key,
      NERACA_QUEUE_PREFIX: `bench-${process.pid}`,
      NERACA_DATA_DIR: join(ROOT, '.neraca-bench'),
      ...extra,
    };
  }

  private nodeArgs(): string[] {
    return this.s.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(this.s.profileDir)}`] : [];
  }

  async start(): Promise<void> {
    await run(process.execPath, [join(ROOT, 'bin/neraca.js'), 'migrate', 'up'], this.env());
    const ports: number[] = [];
    for (let i = 0; i < this.s.apiProcesses; i++) {
      const port = 5600 + (process.pid % 300) + i;
      ports.push(port);
      this.procs.push(
        new NeracaProcess(
          `api${i + 1}`,
          ['start'],
          this.env({ BLNK_SERVER_PORT: String(port) }),
          ROOT,
          this.nodeArgs(),
        ),
      );
    }
    for (let i = 0; i < this.s.workerProcesses; i++) {
      this.procs.push(
        new NeracaProcess(`worker${i + 1}`, ['workers'], this.env(), ROOT, this.nodeArgs()),
      );
    }
    for (const [i, port] of ports.entries()) {
      const url = `http://127.0.0.1:${port}`;
      await waitUntilHealthy(url, this.procs[i]);
      this.clients.push(new BenchClient(new URL(url), this.key, 256));
    }
    this.db = new Client({ connectionString: this.dbUrl.toString() });
    await this.db.connect();
  }

  /** One client per API process, requests spread round robin. */
  get client(): BenchClient {
    if (this.clients.length === 1) return this.clients[0];
    const next = () => this.clients[this.rr++ % this.clients.length];
    return {
      send: (m: string, p: string, b?: unknown) => next().send(m, p, b),
      expect: (m: string, p: string, b: unknown, ok?: number[]) => next().expect(m, p, b, ok),
    } as BenchClient;
  }

  async rows<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.db.query(sql, params)).rows as T[];
  }

  async pending(): Promise<number> {
    const [r] = await this.rows<{ n: number }>(`SELECT count(*)::int AS n FROM queued_work`);
    return r.n;
  }

  /** Waits until no queued work is left (the workers have applied everything accepted). */
  async drained(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.pending()) > 0) {
      if (Date.now() > deadline) throw new Error(`queue not drained in ${timeoutMs} ms`);
      for (const p of this.procs) if (!p.alive) throw new Error(`${p.name} died:\n${p.tail}`);
      await sleep(50);
    }
  }

  async invariants(): Promise<string[]> {
    const runner = { query: (sql: string, params?: unknown[]) => this.rows(sql, params) };
    return [...(await checkInvariants(runner)), ...(await checkQueuedOutcomes(runner))];
  }

  async stop(): Promise<void> {
    await this.db?.end().catch(() => undefined);
    this.clients.forEach((c) => c.close());
    await Promise.all(this.procs.map((p) => p.stop()));
  }
}

/** Funds `count` balances (created through @indicators) and one hot balance, over the API. */
async function seed(d: Deployment, count: number): Promise<BenchWorld> {
  const fund = (indicator: string, amount: number, reference: string) => ({
    amount,
    precision: 100,
    currency: 'USD',
    reference,
    source: '@World',
    destination: indicator,
    allow_overdraft: true,
    description: 'bench funding',
  });
  const chunks: number[][] = [];
  for (let i = 0; i < count; i += 500) {
    chunks.push(Array.from({ length: Math.min(500, count - i) }, (_, k) => i + k));
  }
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++];
      await d.client.expect('POST', '/transactions/bulk', {
        atomic: true,
        skip_queue: true,
        transactions: chunk.map((i) => fund(`@bu${i}`, 1_000_000, `seed-${i}`)),
      });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  await d.client.expect('POST', '/transactions', {
    ...fund('@hot', 1_000_000_000, 'seed-hot'),
    skip_queue: true,
  });
  const rows = await d.rows<{ balance_id: string; indicator: string }>(
    `SELECT balance_id, indicator FROM balances WHERE indicator LIKE '@bu%' OR indicator = '@hot'`,
  );
  const hot = rows.find((r) => r.indicator === '@hot')!.balance_id;
  return {
    client: d.client,
    balances: rows.filter((r) => r.indicator !== '@hot').map((r) => r.balance_id),
    hot,
  };
}

interface Measured {
  result: ScenarioResult;
  load: LoadResult;
}

/**
 * Runs one load phase and measures it from the database: how many transfers were applied, when
 * the last one was applied, and each operation's time-to-applied (outcome row minus due time).
 */
async function measure(
  d: Deployment,
  scenario: Scenario,
  mode: string,
  prefix: string,
  drive: () => Promise<LoadResult>,
  ratioTo: number,
): Promise<Measured> {
  const since = Date.now();
  const load = await drive();
  let failure: string | undefined;
  try {
    await d.drained(10 * 60_000);
  } catch (e) {
    failure = (e as Error).message;
  }
  // Rows of this phase: its own references, and the commits of its holds (which get fresh
  // references and point at the hold through parent_transaction).
  const applied = await d.rows<{ ref: string; t: number; status: string }>(
    `SELECT reference AS ref, (extract(epoch FROM created_at) * 1000)::float8 AS t, status
       FROM transactions WHERE reference LIKE $1 AND status IN ('APPLIED', 'REJECTED')
     UNION ALL
     SELECT p.reference, (extract(epoch FROM c.created_at) * 1000)::float8, c.status
       FROM transactions p JOIN transactions c ON c.parent_transaction = p.transaction_id
      WHERE p.reference LIKE $1 AND p.status = 'INFLIGHT' AND c.status = 'APPLIED'
        AND c.reference NOT LIKE $1`,
    [`${prefix}-%`],
  );
  let last = load.finished;
  let count = 0;
  let rejected = 0;
  const toApplied: number[] = [];
  const pattern = new RegExp(`^${prefix}-(\\d+)`);
  for (const a of applied) {
    if (a.status === 'REJECTED') {
      rejected++;
      continue;
    }
    count++;
    last = Math.max(last, a.t);
    const m = pattern.exec(a.ref);
    const due = m ? load.dueAt[Number(m[1])] : undefined;
    if (due) toApplied.push(Math.max(0, a.t - due));
  }
  if (scenario.countsRequests) count = load.ops;
  const seconds = (last - load.started) / 1000;
  const problems = failure ? [failure] : await d.invariants();
  if (problems.length) failure = `invariants failed: ${problems.slice(0, 3).join('; ')}`;
  const peakRss: Record<string, number> = {};
  for (const p of d.procs) peakRss[p.name] = p.peakRss(since);
  const throughput = seconds > 0 ? count / seconds : 0;
  return {
    load,
    result: {
      name: scenario.name,
      description: scenario.description,
      baseline: scenario.baseline,
      mode,
      ok: !failure,
      failure,
      applied: count,
      seconds: round(seconds, 2),
      throughput,
      ratio: ratioTo > 0 ? throughput / ratioTo : 0,
      api: summarize(load.latencies),
      toApplied: summarize(toApplied),
      errorRate: load.errors / Math.max(1, load.errors + load.ops),
      rejected,
      errorSamples: load.errorSamples,
      peakRss,
    },
  };
}

function machine(): Record<string, unknown> {
  return {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
  };
}

async function main(): Promise<void> {
  const s = parseArgs(process.argv.slice(2));
  const started = await ensureLocalServices(s.pg, s.redis);
  if (started.length) log(`started ${started.join(', ')}`);
  const tag = `${process.pid}_${Date.now().toString(36)}`;
  const report: BenchReport = {
    date: new Date().toISOString(),
    command: [
      'npm run bench',
      ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
    ].join(' '),
    machine: machine(),
    settings: { ...s, pg: s.pg.host, redis: s.redis.host },
    baselines: {} as BenchReport['baselines'],
    scenarios: [],
    targets: [],
  };

  log(
    `baselines: ${s.balances} balances, clients ${s.clientCounts.join('/')}, ${s.baselineSeconds}s each`,
  );
  const baseName = `neraca_bench_base_${tag}`;
  const baseUrl = await createDatabase(s.pg, baseName);
  const dbName = `neraca_bench_${tag}`;
  const d = new Deployment(s, await createDatabase(s.pg, dbName), `bench-key-${tag}`);
  let stopSampling = () => undefined as void;
  // Interrupted (Ctrl-C, a CI timeout): stop Neraca's processes and drop the scratch databases.
  const interrupted = async () => {
    stopSampling();
    await d.stop().catch(() => undefined);
    if (!s.keep) {
      await dropDatabase(s.pg, dbName).catch(() => undefined);
      await dropDatabase(s.pg, baseName).catch(() => undefined);
    }
    process.exit(130);
  };
  process.once('SIGINT', () => void interrupted());
  process.once('SIGTERM', () => void interrupted());
  try {
    await prepareBaselineDb(baseUrl, s.balances);
    report.baselines = await measureBaselines({
      dbUrl: baseUrl,
      balances: s.balances,
      batch: s.batch,
      clientCounts: s.clientCounts,
      seconds: s.baselineSeconds,
      log,
    });
    await d.start();
    stopSampling = sampleRss(d.procs, 1000);
    log(`seeding ${s.balances} balances`);
    const world = await seed(d, s.balances);
    const peaks: Record<string, number> = {};
    const byName = new Map(SCENARIOS.map((x) => [x.name, x]));
    for (const name of s.scenarios) {
      const scenario = byName.get(name);
      if (!scenario) throw new Error(`unknown scenario ${name}`);
      const prefix = `${scenario.name.replace(/_/g, '')}${tag.replace(/_/g, '')}`;
      const base = report.baselines[scenario.baseline].best.throughput;
      const { result } = await measure(
        d,
        scenario,
        `peak (${scenario.concurrency} in flight)`,
        prefix,
        () =>
          saturate({
            concurrency: scenario.concurrency,
            durationMs: s.scenarioSeconds * 1000,
            op: scenario.op(world, prefix),
          }),
        base,
      );
      peaks[name] = result.throughput;
      report.scenarios.push(result);
      log(
        `${name}: ${Math.round(result.throughput)} applied/s (${round(result.ratio, 2)} × ${scenario.baseline}), ` +
          `API p99 ${round(result.api.p99)} ms, to-applied p99 ${round(result.toApplied.p99)} ms` +
          (result.ok ? '' : ` FAILED: ${result.failure}`) +
          (result.errorSamples.length ? `\n  errors: ${result.errorSamples.join('\n  ')}` : ''),
      );
    }

    const target = (t: string, measured: string, met: boolean) =>
      report.targets.push({ target: t, measured, met } satisfies TargetResult);
    const res = (n: string) =>
      report.scenarios.find((x) => x.name === n && x.mode.startsWith('peak'));
    const ok = (n: string) => res(n)?.ok ?? false;
    const R = (b: BaselineName) => report.baselines[b].best;
    /** An open-loop phase of `scenario` at `rate` per second, measured like the peaks. */
    const openPhase = async (scenario: Scenario, rate: number, label: string, ms: number) => {
      const prefix = `${label}${tag.replace(/_/g, '')}`;
      const m = await measure(
        d,
        scenario,
        `${label === 'soak' ? 'soak' : 'open loop'} ${rate}/s`,
        prefix,
        () => openLoop({ rate, durationMs: ms, maxInFlight: 512, op: scenario.op(world, prefix) }),
        R(scenario.baseline).throughput,
      );
      report.scenarios.push(m.result);
      return m.result;
    };

    // Latency at 70% of the skip_queue peak, against R1 at the same arrival rate.
    const sync = SCENARIOS.find((x) => x.name === 'uniform_skip_queue')!;
    if (peaks[sync.name]) {
      const rate = Math.max(1, Math.round(peaks[sync.name] * 0.7));
      const m = { result: await openPhase(sync, rate, 'latsync', s.latencySeconds * 1000) };
      const r1 = await pgbench({
        dbUrl: baseUrl,
        script: SCRIPTS(s.balances, s.batch).R1,
        clients: R('R1').clients,
        seconds: s.latencySeconds,
        rate,
      });
      log(
        `skip_queue at ${rate}/s: p99 ${round(m.result.api.p99)} ms; R1 at ${rate}/s: p99 ${round(r1.latency.p99)} ms`,
      );
      target(
        `skip_queue p99 at 70% of its peak (${rate}/s) ≤ 3 × R1 p99 at that rate`,
        `${round(m.result.api.p99)} ms vs R1 ${round(r1.latency.p99, 2)} ms (${round(m.result.api.p99 / Math.max(r1.latency.p99, 1e-9), 1)}×)`,
        m.result.ok && m.result.api.p99 <= 3 * r1.latency.p99,
      );
    }

    // Queue drain at 50% of the queued peak, then the soak at the same rate.
    const queued = SCENARIOS.find((x) => x.name === 'uniform_queued')!;
    if (peaks[queued.name]) {
      const rate = Math.max(1, Math.round(peaks[queued.name] * 0.5));
      const m = { result: await openPhase(queued, rate, 'latq', s.latencySeconds * 1000) };
      log(`queued at ${rate}/s: time-to-applied p99 ${round(m.result.toApplied.p99)} ms`);
      target(
        `queued at 50% of peak (${rate}/s): time-to-applied p99 ≤ 1000 ms`,
        `${round(m.result.toApplied.p99)} ms`,
        m.result.ok && m.result.toApplied.p99 <= 1000 && m.result.toApplied.count > 0,
      );

      if (s.soakMinutes > 0) {
        log(`soak: ${s.soakMinutes} min at ${rate}/s`);
        const soakStart = Date.now();
        const soak = { result: await openPhase(queued, rate, 'soak', s.soakMinutes * 60_000) };
        const span = s.soakMinutes * 60_000;
        const window = Math.min(120_000, span / 4);
        const rss: NonNullable<BenchReport['soak']>['rss'] = {};
        const series: Record<string, number[]> = {};
        for (const p of d.procs) {
          // RSS of a garbage-collected process is a sawtooth (it rose and fell by 100 MB every
          // minute or so in the API at this load); a leak shows as a rising floor. So the floor
          // (lowest sample, once a second) of the first window after warm-up is compared with the
          // floor of the last window.
          const floor = (from: number, to: number) => {
            const xs = p.samples.filter((x) => x.at >= from && x.at < to).map((x) => x.rss);
            return xs.length ? Math.min(...xs) : 0;
          };
          const first = floor(soakStart + window, soakStart + 2 * window);
          const last = floor(soakStart + span - window, soakStart + span);
          rss[p.name] = { first, last, drift: first ? (last - first) / first : 0 };
          series[p.name] = [];
          for (let t = soakStart; t < soakStart + span; t += 10_000) {
            series[p.name].push(Math.round(floor(t, t + 10_000) / 1024 / 1024));
          }
        }
        report.soak = { minutes: s.soakMinutes, rss, series };
        const worst = Math.max(...Object.values(rss).map((x) => Math.abs(x.drift)));
        target(
          `RSS flat (±10%) over a ${round(s.soakMinutes, 2)}-minute soak at 50% load`,
          Object.entries(rss)
            .map(([k, v]) => `${k} ${round(v.drift * 100, 1)}%`)
            .join(', '),
          soak.result.ok && worst <= 0.1,
        );
      }
    }

    const tp = (n: string) => res(n)?.throughput ?? 0;
    const ratioTarget = (label: string, n: string, b: BaselineName, min: number) =>
      res(n) &&
      target(
        `${label} ≥ ${min} × ${b}`,
        `${Math.round(tp(n))}/s vs ${Math.round(R(b).throughput)}/s = ${round(tp(n) / R(b).throughput, 2)}`,
        ok(n) && tp(n) >= min * R(b).throughput,
      );
    ratioTarget('uniform queued', 'uniform_queued', 'R1', 0.5);
    ratioTarget('uniform skip_queue', 'uniform_skip_queue', 'R1', 0.4);
    ratioTarget('hot balance queued', 'hot_queued', 'R2', 1.5);
    ratioTarget('bulk (500 per request)', 'bulk_500', 'R3', 0.5);
    if (res('hot_queued') && res('uniform_queued')) {
      target(
        'hot / uniform queued ≥ 0.6',
        `${round(tp('hot_queued') / tp('uniform_queued'), 2)}`,
        ok('hot_queued') && tp('hot_queued') >= 0.6 * tp('uniform_queued'),
      );
    }
    if (res('bulk_500') && (res('uniform_skip_queue') || res('uniform_queued'))) {
      const single = Math.max(tp('uniform_skip_queue'), tp('uniform_queued'));
      target(
        'bulk ≥ 3 × own single-transfer throughput (the better of skip_queue and queued)',
        `${Math.round(tp('bulk_500'))}/s vs ${Math.round(single)}/s = ${round(tp('bulk_500') / single, 2)}`,
        ok('bulk_500') && tp('bulk_500') >= 3 * single,
      );
    }
  } finally {
    stopSampling();
    await d.stop();
    if (!s.keep) {
      await dropDatabase(s.pg, dbName).catch(() => undefined);
      await dropDatabase(s.pg, baseName).catch(() => undefined);
    }
  }

  const table = markdown(report);
  log(`\n${table}`);
  mkdirSync(s.out, { recursive: true });
  const file = join(s.out, `${report.date.slice(0, 10)}${s.quick ? '-quick' : ''}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2));
  writeFileSync(file.replace(/\.json$/, '.md'), table);
  log(`results: ${file}`);
  const failed = report.scenarios.filter((x) => !x.ok);
  if (failed.length) {
    log(`FAILED: ${failed.map((f) => `${f.name} (${f.failure})`).join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
