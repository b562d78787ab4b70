/**
 * `node dist/bench/reconcile.js [--internal N] [--external N] [--batch N] [--pg URL]` (build with `npm run
 * build` and `swc bench -d dist`)
 *
 * Reconciliation at size (issue 16): a scratch PostgreSQL database gets N internal transactions
 * (default 1,000,000, generate_series, triggers off for the load) spread over the last 365 days,
 * then a statement of M rows (default 100,000) is written as a CSV file and uploaded through the
 * upload use case (the path POST /reconciliation/upload streams into, without HTTP): its time is
 * the upload figure. Nine rows in ten are an internal transaction moved by up to ±0.9% in amount
 * and up to ±20 hours in time, one in ten matches nothing. Then, in the same run:
 *   - the run: one_to_one, one rule (amount `equals` drift 0.01, date `equals` drift 86400 s),
 *     stepped batch by batch by this process as a worker would (lease, step, checkpoint);
 *   - the SQL baseline: the same matching as one set-based statement (for each external row the
 *     first internal transaction by created_at within the currency, amount and date bounds that
 *     satisfies the exact drift conditions), counting the matches, over the same index the run
 *     uses; timed before the run and twice after it, its best time taken.
 * Prints both throughputs (external rows per second), their ratio, the process's memory while the
 * run goes, and checks that both found the same number of matches. Drops the database.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { DataSource } from 'typeorm';
import { ReconciliationSettings } from '../src/modules/reconciliation/application/reconciliation-settings';
import { standaloneReconciliation } from '../src/modules/reconciliation/reconciliation.standalone';
import { cliArg, withScratchLedger } from './lib/scratch';

const log = (s: string) => process.stdout.write(`${s}\n`);
const DAY_MS = 86_400_000;

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const out = await work();
  return [out, Number(process.hrtime.bigint() - t0) / 1e6];
}

/** Internal transaction g: its amount (major units, cents) and created_at, derivable in JS too. */
const amountCents = (g: number) => ((g * 7919) % 99_000) + 1000;
const NOW = Date.now();
const createdAt = (g: number, n: number) => NOW - Math.floor((365 * DAY_MS * g) / n);

async function load(ds: DataSource, n: number): Promise<void> {
  const [, ms] = await timed(() =>
    ds.transaction(async (m) => {
      await m.query(`SET LOCAL session_replication_role = replica`);
      await m.query(
        `INSERT INTO transactions (transaction_id, source, destination, reference, amount,
             precise_amount, precision, currency, status, hash, description, created_at)
           SELECT 'txn_rc_' || g, 'bln_a', 'bln_b', 'rc-' || g,
                  (((g::bigint * 7919) % 99000) + 1000) / 100.0, ((g::bigint * 7919) % 99000) + 1000, 100, 'USD',
                  'APPLIED', 'h', 'Payment ' || g,
                  to_timestamp($2 / 1000.0) - make_interval(secs => (365 * 86400.0 * g) / $1)
             FROM generate_series(1, $1) g`,
        [n, NOW],
      );
    }),
  );
  await ds.query('VACUUM ANALYZE transactions');
  log(`internal: ${n} transactions loaded in ${(ms / 1000).toFixed(1)} s`);
}

/** The statement as a CSV file: row i names internal transaction i·step, moved within drift. */
async function writeStatement(path: string, m: number, n: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('id,amount,currency,reference,description,date\n');
  const step = Math.max(1, Math.floor(n / m));
  for (let i = 1; i <= m; i++) {
    const g = Math.min(n, i * step);
    const off = i % 10 === 0; // matches nothing: 5% off in amount
    const permille = (i % 19) - 9; // −0.9% .. +0.9%
    const cents = Math.round((amountCents(g) * (1000 + (off ? 50 : permille))) / 1000);
    const at = createdAt(g, n) + ((i % 41) - 20) * 3_600_000;
    const line = `ext-${i},${(cents / 100).toFixed(2)},USD,r-${i},Payment ${g},${new Date(at).toISOString()}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/**
 * The baseline: the same matching, one statement, served by the same index the run uses
 * (`transactions_reconciliation_day_idx`: each UTC day the window touches, then the amount
 * range), and without JIT (which spends ~1 s compiling it: the baseline's best time).
 */
async function sqlBaseline(ds: DataSource, uploadId: string): Promise<number> {
  return ds.transaction(async (m) => {
    await m.query(`SET LOCAL jit = off`);
    const [{ n }] = await m.query(
      `SELECT count(c.transaction_id)::int AS n
         FROM external_transactions e
         CROSS JOIN LATERAL (SELECT ((e.date - interval '1 day') AT TIME ZONE 'UTC')::date AS d0) w
         CROSS JOIN LATERAL (
           SELECT t.transaction_id FROM transactions t
            WHERE t.currency = e.currency
              AND ((t.created_at AT TIME ZONE 'UTC')::date) = ANY(ARRAY[w.d0, w.d0 + 1, w.d0 + 2, w.d0 + 3])
              AND t.amount BETWEEN e.amount - abs(e.amount) * 0.01 AND e.amount + abs(e.amount) * 0.01
              AND t.created_at BETWEEN e.date - interval '1 day' AND e.date + interval '1 day'
              AND abs(e.amount - t.amount) <= abs(t.amount) * 0.01
            ORDER BY t.created_at, t.transaction_id LIMIT 1) c
        WHERE e.upload_id = $1`,
      [uploadId],
    );
    return n as number;
  });
}

async function measure(ds: DataSource, n: number, m: number): Promise<void> {
  await load(ds, n);
  const dir = mkdtempSync(join(tmpdir(), 'neraca-bench-recon-'));
  try {
    const file = join(dir, 'statement.csv');
    await writeStatement(file, m, n);
    // --batch: rows per batch (reconciliation.progress_interval), 1000 by default.
    const batch = Number(cliArg('batch', '1000'));
    const settings = new ReconciliationSettings(256, [], 30_000, batch);
    const r = standaloneReconciliation(ds, settings);
    const [stored, uploadMs] = await timed(async () => {
      const session = await r.uploads.open();
      await session.consume(createReadStream(file), 'statement.csv');
      return session.finish('bench');
    });
    log(
      `upload: ${stored.recordCount} rows in ${(uploadMs / 1000).toFixed(2)} s (${Math.round(
        stored.recordCount / (uploadMs / 1000),
      )} rows/s)`,
    );
    await ds.query(`ANALYZE external_transactions`);
    await ds.query(
      `INSERT INTO matching_rules (rule_id, name, criteria, created_at, updated_at)
       VALUES ('rule_bench', '1%, a day', $1::jsonb, now(), now())`,
      [
        JSON.stringify([
          { field: 'amount', operator: 'equals', value: '', pattern: '', drift: '0.01' },
          { field: 'date', operator: 'equals', value: '', pattern: '', drift: '86400' },
        ]),
      ],
    );
    const [, beforeMs] = await timed(() => sqlBaseline(ds, stored.uploadId));
    // Memory stays flat: the run holds one batch (RSS sampled while it goes).
    let peakMiB = 0;
    const rssMiB = () => Math.round(process.memoryUsage().rss / 2 ** 20);
    const startMiB = rssMiB();
    const sampler = setInterval(() => (peakMiB = Math.max(peakMiB, rssMiB())), 100);
    const [done, runMs] = await timed(async () => {
      const id = await r.start.start({
        uploadId: stored.uploadId,
        strategy: 'one_to_one',
        ruleIds: ['rule_bench'],
      });
      let run = await r.runner.lease('bench');
      while (run) run = await r.runner.step(run, 'bench');
      return (await r.find(id))!;
    });
    clearInterval(sampler);
    // The baseline after the run too, and its better time is taken: the run warms the caches it
    // shares with the baseline (shared_buffers smaller than the table and index).
    const [baseline, firstMs] = await timed(() => sqlBaseline(ds, stored.uploadId));
    const [, againMs] = await timed(() => sqlBaseline(ds, stored.uploadId));
    const sqlMs = Math.min(firstMs, againMs, beforeMs);
    const rate = (ms: number) => Math.round(m / (ms / 1000));
    log(
      `run (one_to_one): ${done.status}, ${done.matched} matched, ${done.unmatched} unmatched in ${(runMs / 1000).toFixed(2)} s: ${rate(runMs)} rows/s`,
    );
    log(
      `SQL baseline: ${baseline} matched in ${(sqlMs / 1000).toFixed(2)} s: ${rate(sqlMs)} rows/s (best of before the run ${(beforeMs / 1000).toFixed(2)} s and after it ${(firstMs / 1000).toFixed(2)} s, ${(againMs / 1000).toFixed(2)} s)`,
    );
    log(`memory: rss ${startMiB} MiB when the run started, ${peakMiB} MiB at most while it ran`);
    log(`ratio run / baseline (time): ${(runMs / sqlMs).toFixed(2)}×`);
    if (baseline !== done.matched) {
      log(`MISMATCH: the run matched ${done.matched}, the baseline ${baseline}`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const n = Number(cliArg('internal', '1000000'));
  const m = Number(cliArg('external', '100000'));
  await withScratchLedger('bench_recon', (ds) => measure(ds, n, m));
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
