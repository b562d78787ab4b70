import { Client } from 'pg';
import { join, resolve } from 'node:path';
import { pgSessionConfig } from '../../libs/persistence/schema';
import { checkInvariants, checkQueuedOutcomes } from '../../test/support/invariants';
import { BenchClient } from './http-client';
import { LoadResult } from './load';
import { standInForAutovacuum } from './autovacuum';
import { cpuMsOf, NeracaProcess, postgresCpuMs, run, waitUntilHealthy } from './processes';
import { ScenarioResult } from './report';
import { BenchWorld, Scenario } from './scenarios';
import { ROOT, Settings } from './settings';
import { round, summarize } from './stats';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The scratch Neraca deployment: its database, API and worker processes, and a client. */
export class Deployment {
  readonly procs: NeracaProcess[] = [];
  readonly clients: BenchClient[] = [];
  db!: Client;
  private rr = 0;
  private autovacuum?: boolean;

  constructor(
    private readonly s: Settings,
    readonly dbUrl: URL,
    private readonly key: string,
    /** Where the processes deliver webhooks (BLNK_WEBHOOK_URL), if anywhere. */
    private readonly webhookUrl?: string,
  ) {}

  private env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      BLNK_DATA_SOURCE_DNS: `${this.dbUrl.toString()}?sslmode=disable`,
      BLNK_REDIS_DNS: this.s.redis.toString(),
      BLNK_SERVER_SECRET_KEY: this.key,
      NERACA_QUEUE_PREFIX: `bench-${process.pid}`,
      NERACA_DATA_DIR: join(ROOT, '.neraca-bench'),
      ...(this.webhookUrl ? { BLNK_WEBHOOK_URL: this.webhookUrl } : {}),
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
    // Neraca's tables are in schema blnk; this client names them as Neraca does, unqualified.
    this.db = new Client(pgSessionConfig(this.dbUrl.toString()));
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

  /**
   * Background work still owed from earlier phases: outbox events not yet delivered (or marked
   * skipped, without a webhook URL) and, with sealing on, transaction rows not yet sealed.
   */
  async backlog(): Promise<number> {
    const chain = process.env.BLNK_TRANSACTION_HASHCHAIN_ENABLED !== 'false';
    const [r] = await this.rows<{ n: number }>(
      `SELECT (SELECT count(*) FROM event_outbox WHERE status = 'pending')::int
            + ${chain ? '(SELECT count(*) FROM transaction_chain_pending)::int' : '0'} AS n`,
    );
    return r.n;
  }

  /**
   * Waits until the background work of earlier phases is done (the seed's 100,000 events, say),
   * so that a phase measures its own work and not the delivery of another's, then vacuums when
   * the server does not; answers the seconds it took.
   */
  async settled(timeoutMs: number): Promise<number> {
    const started = Date.now();
    while ((await this.backlog()) > 0) {
      if (Date.now() - started > timeoutMs) {
        throw new Error(`background work not done in ${timeoutMs} ms`);
      }
      for (const p of this.procs) if (!p.alive) throw new Error(`${p.name} died:\n${p.tail}`);
      await sleep(250);
    }
    // A production server vacuums and analyzes as it goes; this machine's CI configuration turns
    // autovacuum off. Then the scratch database is vacuumed and analyzed here, between phases and
    // outside them, so that plans are made from statistics and dead rows do not pile up.
    if (!(await this.autovacuumOn())) await this.rows(`VACUUM (ANALYZE)`);
    return (Date.now() - started) / 1000;
  }

  /** Whether the server vacuums by itself (this machine's CI configuration turns it off). */
  async autovacuumOn(): Promise<boolean> {
    if (this.autovacuum === undefined) {
      const [{ autovacuum }] = await this.rows<{ autovacuum: string }>(`SHOW autovacuum`);
      this.autovacuum = autovacuum === 'on';
    }
    return this.autovacuum;
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
export async function seed(d: Deployment, count: number): Promise<BenchWorld> {
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

/** CPU ms so far of each Neraca process, PostgreSQL, and this process (load and webhook sink). */
function cpuNow(d: Deployment): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of d.procs) out[p.name] = cpuMsOf(p.pid);
  out.postgres = postgresCpuMs();
  const own = process.cpuUsage();
  out.bench = (own.user + own.system) / 1000;
  return out;
}

export interface Measured {
  result: ScenarioResult;
  load: LoadResult;
}

/**
 * Runs one load phase and measures it from the database: how many transfers were applied, when
 * the last one was applied, and each operation's time-to-applied (outcome row minus due time).
 */
export async function measure(
  d: Deployment,
  scenario: Scenario,
  mode: string,
  prefix: string,
  drive: () => Promise<LoadResult>,
  ratioTo: number,
): Promise<Measured> {
  const settledSeconds = await d.settled(15 * 60_000);
  const since = Date.now();
  const cpuBefore = cpuNow(d);
  // While the phase runs, on a server with autovacuum off, the bench does its work instead: a
  // long phase (the soak) would otherwise measure dead rows piling up in the queue tables.
  const stopVacuum = (await d.autovacuumOn())
    ? () => Promise.resolve({ vacuumed: 0, analyzed: 0, failed: 0 })
    : await standInForAutovacuum(d.dbUrl.toString());
  const load = await drive();
  let failure: string | undefined;
  try {
    await d.drained(10 * 60_000);
  } catch (e) {
    failure = (e as Error).message;
  }
  const vacuum = await stopVacuum();
  // CPU of each process from the phase's start until its queue has drained.
  const cpuAfter = cpuNow(d);
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
  const cpuPerOp: Record<string, number> = {};
  for (const k of Object.keys(cpuAfter)) {
    cpuPerOp[k] = count ? round((cpuAfter[k] - cpuBefore[k]) / count, 3) : 0;
  }
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
      settledSeconds: round(settledSeconds, 1),
      cpuPerOp,
      ...(vacuum.vacuumed + vacuum.analyzed + vacuum.failed > 0
        ? { autovacuumStandIn: vacuum }
        : {}),
    },
  };
}
