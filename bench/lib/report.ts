import { BaselineName, BaselineResult } from './baselines';
import { LatencySummary, round } from './stats';

export interface ScenarioResult {
  name: string;
  description: string;
  baseline: BaselineName;
  mode: string;
  ok: boolean;
  failure?: string;
  applied: number;
  seconds: number;
  throughput: number;
  ratio: number;
  api: LatencySummary;
  toApplied: LatencySummary;
  errorRate: number;
  rejected: number;
  errorSamples: string[];
  peakRss: Record<string, number>;
  /** Seconds spent before the phase waiting for earlier phases' webhooks and sealing to finish. */
  settledSeconds?: number;
  /**
   * CPU ms per applied transfer (per request for http_floor) of each process over the phase:
   * the Neraca processes, PostgreSQL (all its processes), and the bench itself (load generator
   * and webhook receiver).
   */
  cpuPerOp?: Record<string, number>;
  /**
   * On a server with autovacuum off: the tables the bench vacuumed and analyzed during the phase
   * in autovacuum's place (autovacuum.ts), and the statements of its that failed.
   */
  autovacuumStandIn?: { vacuumed: number; analyzed: number; failed: number };
}

export interface TargetResult {
  target: string;
  measured: string;
  met: boolean;
}

export interface BenchReport {
  date: string;
  command: string;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  baselines: Record<BaselineName, BaselineResult>;
  scenarios: ScenarioResult[];
  targets: TargetResult[];
  /** With `--webhook-receiver`: deliveries the receiver got during the run, by event. */
  webhooks?: { received: Record<string, number> };
  soak?: {
    minutes: number;
    rss: Record<string, { first: number; last: number; drift: number }>;
    /** Lowest RSS of each process in each 10 s of the soak (MB): a leak shows as a rising floor. */
    series: Record<string, number[]>;
  };
}

const mb = (b: number) => `${Math.round(b / 1024 / 1024)}`;
const lat = (l: LatencySummary) =>
  l.count ? `${round(l.p50)} / ${round(l.p95)} / ${round(l.p99)}` : '—';

export function markdown(r: BenchReport): string {
  const lines: string[] = [];
  lines.push(`### Neraca scenarios (${r.date})`, '');
  lines.push(
    '| scenario | mode | applied/s | ratio | API p50/p95/p99 ms | time-to-applied p50/p95/p99 ms | errors | peak RSS MB | invariants |',
    '|---|---|---:|---:|---|---|---:|---|---|',
  );
  for (const s of r.scenarios) {
    const rss = Object.entries(s.peakRss)
      .map(([k, v]) => `${k} ${mb(v)}`)
      .join(', ');
    const tput = s.ok ? String(Math.round(s.throughput)) : 'FAILED';
    const ratio = s.ok && s.ratio ? `${round(s.ratio, 2)} × ${s.baseline}` : '—';
    lines.push(
      `| ${s.name} | ${s.mode} | ${tput} | ${ratio} | ${lat(s.api)} | ${lat(s.toApplied)} | ${round(s.errorRate * 100, 2)}%${s.rejected ? ` (+${s.rejected} rejected)` : ''} | ${rss} | ${s.ok ? 'hold' : `**${s.failure}**`} |`,
    );
  }
  lines.push(
    '',
    'CPU ms per applied transfer (per request for http_floor), from /proc, over each phase:',
    '',
    '| scenario | mode | CPU ms per transfer, by process | total |',
    '|---|---|---|---:|',
  );
  for (const s of r.scenarios) {
    const cpu = s.cpuPerOp ?? {};
    const total = Object.values(cpu).reduce((a, b) => a + b, 0);
    const parts = Object.entries(cpu)
      .map(([k, v]) => `${k} ${round(v, 3)}`)
      .join(', ');
    lines.push(`| ${s.name} | ${s.mode} | ${parts || '—'} | ${round(total, 3)} |`);
  }
  if (r.webhooks) {
    const got = Object.entries(r.webhooks.received)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push('', `Webhook receiver on loopback: ${got || 'nothing received'}.`);
  }
  lines.push('', '### PostgreSQL baselines (pgbench, same server, same run)', '');
  lines.push(
    '| baseline | clients | transfers/s | latency p50/p95/p99 ms |',
    '|---|---:|---:|---|',
  );
  for (const b of Object.values(r.baselines)) {
    for (const run of b.runs) {
      const best = run === b.best ? ' **best**' : '';
      lines.push(
        `| ${b.name} | ${run.clients} | ${Math.round(run.throughput)}${best} | ${lat(run.latency)} |`,
      );
    }
  }
  lines.push('', '### Targets', '', '| target | measured | met |', '|---|---|---|');
  for (const t of r.targets)
    lines.push(`| ${t.target} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`);
  if (r.soak) {
    lines.push('', `### Soak (${r.soak.minutes} min at 50% of queued peak)`, '');
    lines.push(
      '| process | RSS floor, first window MB | RSS floor, last window MB | drift |',
      '|---|---:|---:|---:|',
    );
    for (const [k, v] of Object.entries(r.soak.rss)) {
      lines.push(`| ${k} | ${mb(v.first)} | ${mb(v.last)} | ${round(v.drift * 100, 1)}% |`);
    }
    const standIn = r.scenarios.find((x) => x.mode.startsWith('soak'))?.autovacuumStandIn;
    if (standIn) {
      lines.push(
        '',
        `Autovacuum is off on this server: the bench vacuumed ${standIn.vacuumed} and analyzed ` +
          `${standIn.analyzed} tables during the soak in its place, at its default thresholds` +
          (standIn.failed ? ` (${standIn.failed} of its statements failed).` : '.'),
      );
    }
  }
  return lines.join('\n') + '\n';
}
