/**
 * `node dist/bench/search.js [--rows N] [--runs N] [--pg URL]` (compiled as `npm run bench`
 * compiles bench/)
 *
 * Search without Typesense on a large ledger: a scratch PostgreSQL database gets N transactions
 * (default 1,000,000, generate_series, triggers off for the load), then the same search is timed
 * two ways, interleaved, in one run:
 *   - the PostgreSQL adapter (`PgSearchIndex`, what POST /search/transactions runs): `q` on
 *     description plus `filter_by` on currency and an amount range, first page of 10;
 *   - a plain SQL query of the same filter over the same indexes (trigram on the normalized
 *     description, (currency, amount)): the page and its count, nothing else.
 * It also times `out_of` alone (the adapter's exact count(*) of the table) and the plain page
 * without its count, to show what the difference is made of. Prints p50 / p95 per query and the ratio of p95s; drops the database.
 */
import { COLLECTIONS } from '../src/modules/search/domain/collections';
import { parseSearchRequest } from '../src/modules/search/domain/search-request';
import { PgSearchIndex } from '../src/modules/search/infrastructure/postgres/pg-search-index';
import { cliArg, withScratchLedger } from './lib/scratch';

const log = (s: string) => process.stdout.write(`${s}\n`);

const WORDS = ['rent', 'salary', 'coffee', 'invoice', 'refund', 'transfer', 'grocery', 'utility'];

/** Milliseconds of each call of `work`, `runs` times. */
async function sample(work: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function main(): Promise<void> {
  const rows = Number(cliArg('rows', '1000000'));
  const runs = Number(cliArg('runs', '50'));
  await withScratchLedger('neraca_bench_search', async (ds) => {
    const t0 = Date.now();
    await ds.transaction(async (m) => {
      await m.query(`SET LOCAL session_replication_role = replica`); // feeds and claims: not measured
      await m.query(
        `INSERT INTO transactions (transaction_id, source, destination, reference, amount,
           precise_amount, precision, currency, status, hash, description, created_at)
         SELECT 'txn_bench_' || g, 'bln_a', 'bln_b', 'bench-' || g, (g % 100000) / 100.0,
                g % 100000, 100, (ARRAY['USD','EUR','NGN','GBP'])[1 + g % 4], 'APPLIED', '',
                'Payment ' || ($2::text[])[1 + (g / 7) % 8] || ' for order ' || g,
                now() - make_interval(secs => $1 - g)
         FROM generate_series(1, $1) g`,
        [rows, WORDS],
      );
    });
    await ds.query(`VACUUM ANALYZE transactions`);
    log(`loaded ${rows} transactions in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const index = new PgSearchIndex(ds);
    const body = {
      q: 'coffee',
      query_by: 'description',
      filter_by: 'currency:=USD && amount:[100..200]',
    };
    const req = parseSearchRequest(COLLECTIONS.transactions, body);
    const where = `search_norm(description) LIKE '%coffee%' AND currency = 'USD'
      AND amount BETWEEN 100 AND 200`;
    const queries: Record<string, () => Promise<unknown>> = {
      'adapter (PgSearchIndex.search)': () => index.search(req),
      'plain SQL: page + count': async () => {
        await ds.query(
          `SELECT transaction_id, description, amount, currency FROM transactions
           WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT 10`,
        );
        await ds.query(`SELECT count(*) FROM transactions WHERE ${where}`);
      },
      'plain SQL: page only': () =>
        ds.query(
          `SELECT transaction_id, description, amount, currency FROM transactions
           WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT 10`,
        ),
      'out_of alone: count(*) of the table': () =>
        ds.query(`SELECT count(*)::int AS n FROM transactions`),
    };
    const first = await index.search(req);
    log(`query ${JSON.stringify(body)}: found ${first.found} of ${first.out_of}`);
    for (const q of Object.values(queries)) await q(); // warm the cache once
    const times: Record<string, number[]> = Object.fromEntries(
      Object.keys(queries).map((k) => [k, []]),
    );
    for (let i = 0; i < runs; i++) {
      for (const [k, q] of Object.entries(queries)) times[k].push(await sample(q));
    }
    for (const [k, xs] of Object.entries(times)) {
      log(
        `${k}: p50 ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms (${runs} runs)`,
      );
    }
    const p95 = (k: string) => pct(times[k], 95);
    log(
      `ratio of p95, adapter / plain page + count: ` +
        `${(p95('adapter (PgSearchIndex.search)') / p95('plain SQL: page + count')).toFixed(2)}; ` +
        `out_of share of the adapter's p95: ` +
        `${((100 * p95('out_of alone: count(*) of the table')) / p95('adapter (PgSearchIndex.search)')).toFixed(0)}%`,
    );
  });
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
