/**
 * `node dist/bench/balance-at.js [--rows N] [--pg URL]` (build with `npm run build` and
 * `swc bench -d dist`)
 *
 * How fast `GET /balances/:id/at` stays on a balance with a large history: a scratch database
 * gets N applied rows (default 1,000,000) between two balances, spread evenly over the last 365
 * days, written at once with generate_series (triggers off for the load; the balances are then
 * set to the sums of their rows, as the engine would have left them). Daily snapshots of the
 * last 30 days are taken by the real snapshot batch. Then the historical query of the adapter
 * runs at instants from 12 hours to 300 days back, from the newest snapshot and from the first row
 * (`from_source`), and EXPLAIN ANALYZE shows the plan of both. The scratch database is dropped at
 * the end.
 */
import type { DataSource } from 'typeorm';
import { TypeOrmUnitOfWork } from '@libs/persistence/typeorm-unit-of-work';
import {
  BalanceHistoryPg,
  SETTLED_AT_SQL,
} from '../src/modules/balance/infrastructure/postgres/balance-history.pg';
import { cliArg, withScratchLedger } from './lib/scratch';

const log = (s: string) => process.stdout.write(`${s}\n`);
const DAY = 86_400_000;

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const out = await work();
  return [out, Number(process.hrtime.bigint() - t0) / 1e6];
}

async function measure(ds: DataSource, rows: number): Promise<void> {
  const [, loadMs] = await timed(() =>
    ds.transaction(async (m) => {
      await m.query(`SET LOCAL session_replication_role = replica`);
      // Mostly a → b, every tenth row back, so both sides of each balance have rows.
      await m.query(
        `INSERT INTO transactions (transaction_id, source, destination, reference, amount,
             precise_amount, precision, currency, status, hash, created_at, effective_date)
           SELECT 'txn_at_' || g, CASE WHEN g % 10 = 0 THEN 'bln_b' ELSE 'bln_a' END,
                  CASE WHEN g % 10 = 0 THEN 'bln_a' ELSE 'bln_b' END, 'at-' || g, 1, (g % 1000) + 1,
                  1, 'USD', 'APPLIED', 'h', now(),
                  now() - make_interval(secs => 365 * 86400 * (1 - g::float8 / $1))
           FROM generate_series(1, $1) g`,
        [rows],
      );
      await m.query(`
          UPDATE balances b SET credit_balance = s.credit, debit_balance = s.debit,
                 balance = s.credit - s.debit
            FROM (SELECT v.bid,
                    COALESCE((SELECT sum(t.precise_amount) FROM transactions t WHERE t.destination = v.bid), 0) AS credit,
                    COALESCE((SELECT sum(t.precise_amount) FROM transactions t WHERE t.source = v.bid), 0) AS debit
                  FROM (VALUES ('bln_a'), ('bln_b')) v(bid)) s
           WHERE b.balance_id = s.bid`);
    }),
  );
  await ds.query('VACUUM ANALYZE transactions');
  log(`loaded ${rows} rows in ${(loadMs / 1000).toFixed(1)} s`);

  const history = new BalanceHistoryPg(ds);
  const uow = new TypeOrmUnitOfWork(ds);
  const now = Date.now();
  const [, snapMs] = await timed(async () => {
    for (let d = 30; d >= 1; d--) {
      await uow.run((tx) => history.snapshotBatch(tx, '', 1000, new Date(now - d * DAY)));
    }
  });
  await ds.query('VACUUM ANALYZE balance_snapshots');
  log(`30 daily snapshots of 2 balances in ${snapMs.toFixed(0)} ms`);

  for (const [label, ago] of [
    ['12 h back (newest snapshot 12 h before)', 0.5 * DAY],
    ['10 days back (a snapshot of that day)', 10.3 * DAY],
    ['300 days back (before every snapshot)', 300 * DAY],
  ] as const) {
    const at = new Date(now - ago).toISOString();
    for (const fromSource of [false, true]) {
      await history.settledAt('bln_b', at, fromSource); // warm
      const times: number[] = [];
      let result = { credit: 0n, debit: 0n };
      for (let i = 0; i < 5; i++) {
        const [r, ms] = await timed(() => history.settledAt('bln_b', at, fromSource));
        times.push(ms);
        result = r;
      }
      times.sort((x, y) => x - y);
      log(
        `${label}, from_source=${fromSource}: median ${times[2].toFixed(2)} ms ` +
          `(credit ${result.credit}, debit ${result.debit})`,
      );
    }
  }
  for (const fromSource of [false, true]) {
    const at = new Date(now - 0.5 * DAY).toISOString();
    const plan = (await ds.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${SETTLED_AT_SQL}`, [
      'bln_b',
      at,
      fromSource,
      '-infinity',
    ])) as { 'QUERY PLAN': string }[];
    log(`\nEXPLAIN ANALYZE, 12 h back, from_source=${fromSource}:`);
    for (const line of plan) log(`  ${line['QUERY PLAN']}`);
  }
}

withScratchLedger('neraca_bench_at', (ds) => measure(ds, Number(cliArg('rows', '1000000')))).catch(
  (e) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
