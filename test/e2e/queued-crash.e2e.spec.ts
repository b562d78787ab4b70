import { ChildProcess, spawn } from 'node:child_process';
import { Client } from 'pg';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deleteKeys, startTestApp, TestApp } from '../support/app';
import { checkInvariants, checkQueuedOutcomes } from '../support/invariants';
import { waitFor } from '../support/wait';
import { startReceiver } from '../support/webhook-receiver';

const DSN = process.env.BLNK_DATA_SOURCE_DNS;
const REDIS = process.env.BLNK_REDIS_DNS;
const BIN = join(__dirname, '../../bin/neraca.js');

/** A `neraca workers` process on the test server's database and queue prefix. */
function startWorker(t: TestApp, webhookUrl: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [BIN, 'workers'], {
    env: {
      ...process.env,
      BLNK_WEBHOOK_URL: webhookUrl,
      BLNK_DATA_SOURCE_DNS: t.db.dsn,
      BLNK_REDIS_DNS: REDIS,
      NERACA_QUEUE_PREFIX: t.prefix,
      BLNK_QUEUE_NUMBER_OF_QUEUES: '8',
      NERACA_QUEUE_SWEEP_INTERVAL: '300ms',
    },
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${out}`)), 60000);
    proc.stdout!.on('data', () => {
      if (out.includes('workers running')) {
        clearTimeout(timer);
        resolve(proc);
      }
    });
    proc.on('exit', (code) => reject(new Error(`worker exited ${code}:\n${out}`)));
  });
}

/**
 * What a PostgreSQL restart looks like to Neraca: every connection to the database is cut, open
 * transactions are rolled back, and the pools reconnect.
 */
async function dropConnections(t: TestApp): Promise<number> {
  const admin = new Client({ connectionString: DSN });
  await admin.connect();
  try {
    const name = new URL(t.db.dsn).pathname.slice(1);
    const cut = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [name],
    );
    return cut.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

if (DSN && REDIS) {
  /**
   * Workers are separate processes. Mid-load one is killed with SIGKILL (its open batch rolls
   * back) and a new one started; later Redis loses every job of the queue. Nothing is lost and
   * nothing applies twice. The workers also deliver the outbox to a webhook receiver: every event
   * arrives, by event id (a repeat of one id is allowed, a missing or unknown one is not).
   */
  describe('queued engine: worker crash and Redis flush', () => {
    let t: TestApp;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    const workers: ChildProcess[] = [];
    beforeAll(async () => {
      receiver = await startReceiver();
      t = await startTestApp({ workers: false });
    });
    afterAll(async () => {
      for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
      await t.close();
      await receiver.close();
    });

    it('loses nothing and applies nothing twice', async () => {
      const ledger = (await t.http('POST', '/ledgers', { name: 'crash' })).json.ledger_id;
      const ids: string[] = [];
      for (let i = 0; i < 100; i++)
        ids.push(
          (await t.http('POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json
            .balance_id,
        );
      workers.push(await startWorker(t, receiver.url));

      const OPS = 4000;
      let next = 0;
      let accepted = 0;
      let cut = 0;
      // Requests cut off by the database going away: each must have been applied whole or not at all.
      const interrupted: string[] = [];
      let r = 11;
      const rnd = (n: number) => ((r = (r * 1103515245 + 12345) % 2147483648), r % n);
      const client = async () => {
        while (next < OPS) {
          const i = next++;
          if (i === Math.floor(OPS / 3)) {
            workers[0].kill('SIGKILL');
            workers.push(await startWorker(t, receiver.url));
          }
          if (i === Math.floor(OPS / 2)) cut = await dropConnections(t);
          if (i === Math.floor((2 * OPS) / 3)) await deleteKeys(REDIS!, t.prefix);
          const from = rnd(10) < 3 ? '@World' : ids[rnd(100)];
          const to = ids[rnd(100)];
          const res = await t.http('POST', '/transactions', {
            source: from,
            destination: to === from ? ids[(ids.indexOf(to) + 1) % 100] : to,
            precise_amount: 1 + rnd(500),
            currency: 'USD',
            description: 'crash',
            reference: `c-${i}`,
            allow_overdraft: from === '@World',
          });
          if (res.status === 201) accepted++;
          // 503 GEN_SERVICE_UNAVAILABLE: the connection was cut under this request.
          else if (res.status === 503) interrupted.push(`c-${i}`);
          else expect(res.status).toBe(400);
        }
      };
      await Promise.all(Array.from({ length: 50 }, client));
      expect(accepted).toBeGreaterThan(OPS * 0.9);
      // The API's and the worker's connections really were cut mid-load.
      expect(cut).toBeGreaterThan(1);

      await waitFor(
        async () => {
          const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM queued_work`);
          return n === 0 ? true : undefined;
        },
        300000,
        'the queue to drain after the crash',
      );
      expect(await checkQueuedOutcomes(t.ds)).toEqual([]);
      expect(await checkInvariants(t.ds)).toEqual([]);
      const [{ n }] = await t.ds.query(
        `SELECT count(*)::int AS n FROM transactions WHERE reference LIKE 'c-%\\_q'`,
      );
      const survived: { n: number }[] = await t.ds.query(
        `SELECT count(*)::int AS n FROM transactions WHERE reference = ANY($1::text[])`,
        [interrupted],
      );
      // Every accepted request has its outcome; an interrupted one has it only if its row committed.
      expect(n).toBe(accepted + survived[0].n);

      // One event per transaction row, each delivered: none missing, none unknown.
      const [{ rows, events }] = await t.ds.query(
        `SELECT (SELECT count(*)::int FROM transactions) AS rows,
                (SELECT count(*)::int FROM event_outbox WHERE entity = 'transaction') AS events`,
      );
      expect(events).toBe(rows);
      await waitFor(
        async () => {
          const [{ p }] = await t.ds.query(
            `SELECT count(*)::int AS p FROM event_outbox WHERE status = 'pending'`,
          );
          return p === 0 ? true : undefined;
        },
        300000,
        'every event to be delivered',
      );
      const recorded = new Set(
        ((await t.ds.query(`SELECT event_id FROM event_outbox`)) as { event_id: string }[]).map(
          (e) => e.event_id,
        ),
      );
      const got = new Set(
        receiver.received
          .filter((x) => x.status === 200)
          .map((x) => x.headers['x-blnk-event-id'] as string),
      );
      expect([...recorded].filter((id) => !got.has(id))).toEqual([]);
      expect([...got].filter((id) => !recorded.has(id))).toEqual([]);
    }, 900000);
  });
} else {
  describe('queued engine: worker crash and Redis flush', () => {
    it('needs PostgreSQL and Redis, which .ci/run always provides', () => {
      // The crash test runs separate worker processes against a real PostgreSQL and Redis; make
      // sure CI keeps giving it both.
      const ci = readFileSync(join(__dirname, '../../.ci/run'), 'utf8');
      expect(ci).toMatch(/export BLNK_DATA_SOURCE_DNS=/);
      expect(ci).toMatch(/export BLNK_REDIS_DNS=/);
    });
  });
}
