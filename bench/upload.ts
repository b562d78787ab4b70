/**
 * `node dist/bench/upload.js [--external N] [--rounds R] [--embedded] [--pg URL]` (build with
 * `npm run build` and `swc bench -d dist`)
 *
 * The statement upload at size (issue 16: a 100,000-row CSV in under 10 s): a CSV of N rows
 * (default 100,000, written as bench/reconcile.ts writes its statement) is uploaded R times
 * (default 3) through the upload use case (the path POST /reconciliation/upload streams into,
 * without HTTP), each time into a fresh source of a scratch PostgreSQL database, or with
 * `--embedded` of an in-memory PGlite behind its socket (one connection, as embedded mode runs).
 * Prints per round the wall time, its two parts (streaming and staging; the final check and move,
 * which in embedded mode holds the only connection) and this process's CPU time in each (with
 * `--embedded` that includes the database's: PGlite runs in this process), then re-uploads the last statement (an
 * idempotent repeat: answers the same upload_id) and times that too.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@libs/persistence/data-source';
import { startEmbeddedPostgres } from '@libs/persistence/embedded-postgres';
import { migrateUp } from '@libs/persistence/migrate';
import { ReconciliationSettings } from '../src/modules/reconciliation/application/reconciliation-settings';
import { standaloneReconciliation } from '../src/modules/reconciliation/reconciliation.standalone';
import { cliArg, withScratchLedger } from './lib/scratch';

const log = (s: string) => process.stdout.write(`${s}\n`);
const DAY_MS = 86_400_000;
const NOW = Date.now();

/** Like bench/reconcile.ts's statement: row i names internal transaction i, moved within drift. */
async function writeStatement(path: string, m: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('id,amount,currency,reference,description,date\n');
  for (let i = 1; i <= m; i++) {
    const cents = ((i * 7919) % 99_000) + 1000;
    const at = NOW - Math.floor((365 * DAY_MS * i) / m) + ((i % 41) - 20) * 3_600_000;
    const line = `ext-${i},${(cents / 100).toFixed(2)},USD,r-${i},Payment ${i},${new Date(at).toISOString()}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const now = () => Number(process.hrtime.bigint()) / 1e6;
/** CPU time of this process (ms): in embedded mode that includes PGlite's, which runs here. */
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function measure(ds: DataSource, m: number, rounds: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'neraca-bench-upload-'));
  try {
    const file = join(dir, 'statement.csv');
    await writeStatement(file, m);
    const r = standaloneReconciliation(ds, new ReconciliationSettings(256, [], 30_000, 1000));
    const upload = async (source: string) => {
      const [t0, c0] = [now(), cpu()];
      const session = await r.uploads.open();
      await session.consume(createReadStream(file), 'statement.csv');
      const [t1, c1] = [now(), cpu()];
      const stored = await session.finish(source);
      const [t2, c2] = [now(), cpu()];
      return {
        stored,
        wall: t2 - t0,
        stream: t1 - t0,
        finish: t2 - t1,
        cpuStream: c1 - c0,
        cpuFinish: c2 - c1,
      };
    };
    const walls: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      const u = await upload(`bench-${round}`);
      walls.push(u.wall);
      log(
        `upload ${round}: ${u.stored.recordCount} rows in ${seconds(u.wall)} s (${Math.round(
          u.stored.recordCount / (u.wall / 1000),
        )} rows/s): streaming and staging ${seconds(u.stream)} s, check and move ${seconds(u.finish)} s; this process's CPU ${seconds(u.cpuStream)} s + ${seconds(u.cpuFinish)} s`,
      );
    }
    const again = await upload(`bench-${rounds}`);
    log(
      `re-upload (same statement): ${again.stored.existing ? 'answered the existing upload' : 'STORED AGAIN'} in ${seconds(again.wall)} s (check ${seconds(again.finish)} s)`,
    );
    if (!again.stored.existing) process.exitCode = 1;
    const best = Math.min(...walls);
    log(`best: ${seconds(best)} s (${Math.round(m / (best / 1000))} rows/s)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const m = Number(cliArg('external', '100000'));
  const rounds = Number(cliArg('rounds', '3'));
  if (!process.argv.includes('--embedded')) {
    await withScratchLedger('bench_upload', (ds) => measure(ds, m, rounds));
    return;
  }
  const pg = await startEmbeddedPostgres();
  const ds = createDataSource({ dsn: pg.dsn, poolSize: 1, exclusive: true });
  await ds.initialize();
  try {
    await migrateUp(ds);
    await measure(ds, m, rounds);
  } finally {
    await ds.destroy();
    await pg.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
