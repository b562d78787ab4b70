import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataSource } from '@libs/persistence/data-source';
import { startEmbeddedPostgres } from '@libs/persistence/embedded-postgres';
import { checkInvariants, checkQueuedOutcomes } from '../support/invariants';
import { waitFor } from '../support/wait';

const BIN = join(__dirname, '../../bin/neraca.js');
const KEY = 'graceful-shutdown-master-key-of-32-chars';
const GRACE_MS = 10000;

interface Started {
  proc: ChildProcess;
  url: string;
  output: () => string;
}

/** `neraca start` in embedded mode (the newcomer's default) over `dataDir`. */
function start(dataDir: string): Promise<Started> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NERACA_DATA_DIR: dataDir,
    BLNK_SERVER_SECRET_KEY: KEY,
    NERACA_SHUTDOWN_GRACE_PERIOD: `${GRACE_MS}ms`,
  };
  delete env.BLNK_DATA_SOURCE_DNS;
  delete env.BLNK_REDIS_DNS;
  const proc = spawn(process.execPath, [BIN, 'start', '--port', '0'], { cwd: dataDir, env });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${out}`)), 60000);
    const onExit = (code: number | null) => reject(new Error(`exited ${code}:\n${out}`));
    const onData = () => {
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      proc.stdout!.off('data', onData);
      proc.off('exit', onExit);
      resolve({ proc, url: m[1], output: () => out });
    };
    proc.stdout!.on('data', onData);
    proc.on('exit', onExit);
  });
}

function exited(p: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (p.exitCode !== null) return resolve(p.exitCode);
    p.on('exit', (code) => resolve(code));
  });
}

async function call(url: string, method: string, path: string, body?: unknown) {
  const r = await fetch(url + path, {
    method,
    headers: { 'x-blnk-key': KEY, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30000),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined };
}

/**
 * SIGTERM during a burst of queued transfers (issue 17): the process stops accepting, finishes
 * what is in flight and exits within the grace period; after a restart every accepted transfer
 * reaches exactly one outcome and every invariant holds.
 */
describe('graceful shutdown (embedded mode)', () => {
  let dir: string;
  const procs: ChildProcess[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'neraca-shutdown-'));
  });
  afterAll(() => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits within the grace period and loses no accepted transfer', async () => {
    const first = await start(dir);
    procs.push(first.proc);
    const ledger = (await call(first.url, 'POST', '/ledgers', { name: 'shutdown' })).json.ledger_id;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        (await call(first.url, 'POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json
          .balance_id,
      );

    const accepted: string[] = [];
    const statuses = new Map<string, number>();
    let n = 0;
    let down = false;
    const client = async () => {
      while (!down) {
        const i = n++;
        const reference = `gs-${i}`;
        try {
          const r = await call(first.url, 'POST', '/transactions', {
            source: i % 2 ? '@World' : ids[i % ids.length],
            destination: ids[(i + 1) % ids.length],
            precise_amount: 1 + (i % 7),
            currency: 'USD',
            description: 'shutdown',
            reference,
            allow_overdraft: i % 2 === 1,
          });
          statuses.set(String(r.status), (statuses.get(String(r.status)) ?? 0) + 1);
          if (r.status === 201) accepted.push(reference);
          else if (r.status !== 503) throw new Error(`${reference}: ${r.status}`);
        } catch (e) {
          // Refused or cut off once the server closed: not accepted, so nothing is owed.
          if ((e as Error).message.startsWith('gs-')) throw e;
          down = true;
        }
      }
    };
    const burst = Promise.all(Array.from({ length: 20 }, client));
    await waitFor(async () => (accepted.length >= 200 ? true : undefined), 60000, 'the burst');
    const signalled = Date.now();
    first.proc.kill('SIGTERM');
    const code = await exited(first.proc);
    const took = Date.now() - signalled;
    down = true;
    await burst;
    expect(first.output()).toContain('SIGTERM: shutting down');
    // Cleanly and within the grace period (past it the process kills itself): in-flight requests
    // are answered, keep-alive connections closed as they go idle, the drain batch finished.
    expect(first.output()).not.toContain('shutdown took longer');
    expect(code).toBe(0);
    expect(took).toBeLessThan(GRACE_MS);

    // After a restart the work left waiting is applied.
    const second = await start(dir);
    procs.push(second.proc);
    await waitFor(
      async () => {
        for (const ref of [accepted[0], accepted[accepted.length - 1]]) {
          const r = await call(second.url, 'GET', `/transactions/reference/${ref}_q`);
          if (r.status !== 200) return undefined;
        }
        return true;
      },
      120000,
      'the waiting work to be applied after the restart',
    );
    second.proc.kill('SIGTERM');
    expect(await exited(second.proc)).toBe(0);

    // The data directory, read directly once no server holds it.
    const pg = await startEmbeddedPostgres(join(dir, 'pgdata'));
    const ds = createDataSource({ dsn: pg.dsn, poolSize: 1, exclusive: true });
    await ds.initialize();
    try {
      const pending: { n: number }[] = await ds.query(`SELECT count(*)::int AS n FROM queued_work`);
      expect(pending[0].n).toBe(0);
      expect(await checkQueuedOutcomes(ds)).toEqual([]);
      expect(await checkInvariants(ds)).toEqual([]);
      const outcomes: { reference: string; n: number }[] = await ds.query(
        `SELECT q.reference, count(o.transaction_id)::int AS n
         FROM transactions q LEFT JOIN transactions o ON o.outcome_of = q.transaction_id
         WHERE q.reference = ANY($1::text[]) AND q.status = 'QUEUED'
         GROUP BY q.reference`,
        [accepted],
      );
      expect(outcomes.length).toBe(accepted.length);
      expect(outcomes.filter((o) => o.n !== 1)).toEqual([]);
    } finally {
      await ds.destroy();
      await pg.stop();
    }
  }, 300000);
});
