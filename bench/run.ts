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
import { join } from 'node:path';
import {
  BaselineName,
  measureBaselines,
  pgbench,
  prepareBaselineDb,
  SCRIPTS,
} from './lib/baselines';
import { Deployment, measure, seed } from './lib/deployment';
import { openLoop, saturate } from './lib/load';
import { sampleRss } from './lib/processes';
import { BenchReport, markdown, TargetResult } from './lib/report';
import { Scenario, SCENARIOS } from './lib/scenarios';
import { WebhookSink } from './lib/webhook-sink';
import { createDatabase, dropDatabase, ensureLocalServices } from './lib/services';
import { parseArgs } from './lib/settings';
import { round } from './lib/stats';

const log = (s: string) => process.stdout.write(`${s}\n`);

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
  const sink = s.webhookReceiver ? new WebhookSink() : undefined;
  await sink?.start();
  const d = new Deployment(
    s,
    await createDatabase(s.pg, dbName),
    `bench-master-key-${tag}-of-32-characters`,
    sink?.url,
  );
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
          `API p99 ${round(result.api.p99)} ms, to-applied p99 ${round(result.toApplied.p99)} ms, ` +
          `earlier background work finished ${result.settledSeconds} s before it` +
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
    await sink?.stop();
    if (sink) report.webhooks = { received: sink.counts };
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
