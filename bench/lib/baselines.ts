import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './processes';
import { LatencySummary, summarize } from './stats';
import { withClient } from './services';

/**
 * The physical ceiling of the database, measured with pgbench on the same server in the same
 * run: a minimal transfer in one function call (lock both rows in id order, check funds, update
 * two balances, insert one row). R1 is uniform over `balances` rows, R2 always touches one hot
 * row, R3 applies `batch` transfers per commit (rows locked once, in id order, like a sane
 * batcher would).
 */
export const BASELINE_SQL = (balances: number) => `
CREATE TABLE bal (id BIGINT PRIMARY KEY, balance NUMERIC NOT NULL);
CREATE TABLE txn (id BIGSERIAL PRIMARY KEY, source BIGINT NOT NULL, destination BIGINT NOT NULL,
                  amount NUMERIC NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now());
INSERT INTO bal SELECT g, CASE WHEN g = 1 THEN 1000000000000 ELSE 100000000 END
  FROM generate_series(1, ${balances}) g;
ANALYZE bal;

CREATE FUNCTION transfer(s BIGINT, d BIGINT, amt NUMERIC) RETURNS BOOLEAN AS $$
DECLARE available NUMERIC;
BEGIN
  IF s = d THEN RETURN FALSE; END IF;
  PERFORM 1 FROM bal WHERE id IN (s, d) ORDER BY id FOR UPDATE;
  SELECT balance INTO available FROM bal WHERE id = s;
  IF available < amt THEN RETURN FALSE; END IF;
  UPDATE bal SET balance = balance - amt WHERE id = s;
  UPDATE bal SET balance = balance + amt WHERE id = d;
  INSERT INTO txn (source, destination, amount) VALUES (s, d, amt);
  RETURN TRUE;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION transfer_batch(n INT, nbal INT, amt NUMERIC) RETURNS INT AS $$
DECLARE
  srcs BIGINT[]; dsts BIGINT[]; available NUMERIC; applied INT := 0;
BEGIN
  SELECT array_agg(1 + floor(random() * nbal)::BIGINT), array_agg(1 + floor(random() * nbal)::BIGINT)
    INTO srcs, dsts FROM generate_series(1, n);
  PERFORM 1 FROM bal WHERE id = ANY (srcs || dsts) ORDER BY id FOR UPDATE;
  FOR i IN 1..n LOOP
    CONTINUE WHEN srcs[i] = dsts[i];
    SELECT balance INTO available FROM bal WHERE id = srcs[i];
    CONTINUE WHEN available < amt;
    UPDATE bal SET balance = balance - amt WHERE id = srcs[i];
    UPDATE bal SET balance = balance + amt WHERE id = dsts[i];
    INSERT INTO txn (source, destination, amount) VALUES (srcs[i], dsts[i], amt);
    applied := applied + 1;
  END LOOP;
  RETURN applied;
END $$ LANGUAGE plpgsql;
`;

export type BaselineName = 'R1' | 'R2' | 'R3';

export const SCRIPTS = (balances: number, batch: number): Record<BaselineName, string> => ({
  R1: `\\set s random(1, ${balances})\n\\set d random(1, ${balances})\nSELECT transfer(:s, :d, 1);\n`,
  R2: `\\set r random(2, ${balances})\n\\set c random(0, 1)\nSELECT CASE WHEN :c = 0 THEN transfer(1, :r, 1) ELSE transfer(:r, 1, 1) END;\n`,
  R3: `SELECT transfer_batch(${batch}, ${balances}, 1);\n`,
});

export interface PgbenchRun {
  clients: number;
  /** Transfers per second (transactions × batch for R3). */
  throughput: number;
  latency: LatencySummary;
}

export interface BaselineResult {
  name: BaselineName;
  runs: PgbenchRun[];
  best: PgbenchRun;
}

/** Latencies (ms) from pgbench's per-transaction logs (field 3, µs; from the scheduled start with -R). */
function readLogs(dir: string): number[] {
  const out: number[] = [];
  for (const f of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const fields = line.split(' ');
      if (fields.length >= 3) out.push(Number(fields[2]) / 1000);
    }
  }
  return out;
}

export async function pgbench(opts: {
  dbUrl: URL;
  script: string;
  clients: number;
  seconds: number;
  rate?: number;
  perTransaction?: number;
}): Promise<PgbenchRun> {
  const dir = mkdtempSync(join(tmpdir(), 'neraca-pgbench-'));
  try {
    const file = join(dir, 'script.sql');
    writeFileSync(file, opts.script);
    const logs = join(dir, 'logs');
    const u = opts.dbUrl;
    const args = [
      '-n',
      '-M',
      'prepared',
      '-f',
      file,
      '-c',
      String(opts.clients),
      '-j',
      String(Math.min(opts.clients, 2)),
      '-T',
      String(opts.seconds),
      '-l',
      `--log-prefix=${join(dir, 'pgbench_log')}`,
      '-h',
      u.hostname,
      '-p',
      u.port || '5432',
      '-U',
      decodeURIComponent(u.username || 'postgres'),
      ...(opts.rate ? ['-R', String(opts.rate)] : []),
      u.pathname.slice(1),
    ];
    const out = await run('pgbench', args, { ...process.env, PGPASSWORD: u.password });
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
    if (!tps) throw new Error(`pgbench printed no tps:\n${out}`);
    void logs;
    const latencies = readLogs(dir).filter((x) => Number.isFinite(x));
    return {
      clients: opts.clients,
      throughput: Number(tps[1]) * (opts.perTransaction ?? 1),
      latency: summarize(latencies),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function prepareBaselineDb(dbUrl: URL, balances: number): Promise<void> {
  await withClient(dbUrl, (c) => c.query(BASELINE_SQL(balances)));
}

/** Each baseline at several client counts; the best throughput is the ceiling. */
export async function measureBaselines(opts: {
  dbUrl: URL;
  balances: number;
  batch: number;
  clientCounts: number[];
  seconds: number;
  log: (s: string) => void;
}): Promise<Record<BaselineName, BaselineResult>> {
  const scripts = SCRIPTS(opts.balances, opts.batch);
  const result = {} as Record<BaselineName, BaselineResult>;
  for (const name of ['R1', 'R2', 'R3'] as BaselineName[]) {
    const runs: PgbenchRun[] = [];
    for (const clients of opts.clientCounts) {
      const r = await pgbench({
        dbUrl: opts.dbUrl,
        script: scripts[name],
        clients,
        seconds: opts.seconds,
        perTransaction: name === 'R3' ? opts.batch : 1,
      });
      opts.log(
        `  ${name} c=${clients}: ${Math.round(r.throughput)}/s p99 ${r.latency.p99.toFixed(1)} ms`,
      );
      runs.push(r);
    }
    const best = runs.reduce((a, b) => (b.throughput > a.throughput ? b : a));
    result[name] = { name, runs, best };
  }
  return result;
}
