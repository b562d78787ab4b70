import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { deleteKeys } from '../support/app';
import { createTestDatabase, openDataSource, TestDatabase } from '../support/database';
import { checkInvariants, checkQueuedOutcomes } from '../support/invariants';
import { keyedCall } from '../support/keyed-call';
import { NeracaProcess, spawnNeraca, stopAll } from '../support/neraca-process';
import { waitFor } from '../support/wait';
import { startReceiver } from '../support/webhook-receiver';

const DSN = process.env.BLNK_DATA_SOURCE_DNS;
const REDIS = process.env.BLNK_REDIS_DNS;
const KEY = 'ops-attacks-workers-key-of-32-chars';
const TRANSFERS = 120;
const call = keyedCall(KEY);

if (DSN && REDIS) {
  /**
   * Workers as an operator meets them (issue 13): an API process with Redis accepts queued
   * transfers while no worker runs; Redis then loses everything it held (the queue's keys
   * deleted, as a flush or an empty restart does); a first worker starts and is stopped with
   * SIGTERM while it drains; a second one starts. Every transfer is applied exactly once and
   * every outbox event is delivered, none missing, none unknown.
   */
  describe('ops attacks: a backlog without workers, Redis emptied, a worker stopped mid-drain', () => {
    let db: TestDatabase;
    let ds: DataSource;
    let dir: string;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    const prefix = `neraca-ops-w-${randomBytes(4).toString('hex')}`;
    const procs: NeracaProcess[] = [];
    const env = (name: string): Record<string, string> => ({
      BLNK_DATA_SOURCE_DNS: db.dsn,
      BLNK_REDIS_DNS: REDIS,
      NERACA_QUEUE_PREFIX: prefix,
      BLNK_QUEUE_NUMBER_OF_QUEUES: '4',
      NERACA_QUEUE_SWEEP_INTERVAL: '300ms',
      BLNK_SERVER_SECRET_KEY: KEY,
      NERACA_HOST: '127.0.0.1',
      NERACA_DATA_DIR: join(dir, name),
      NERACA_LOG_LEVEL: 'warn',
      BLNK_WEBHOOK_URL: receiver.url,
      NERACA_WEBHOOK_TIMEOUT: '5s',
    });

    beforeAll(async () => {
      receiver = await startReceiver();
      dir = mkdtempSync(join(tmpdir(), 'neraca-ops-w-'));
      db = await createTestDatabase('postgres');
      ds = await openDataSource(db);
    });
    afterAll(async () => {
      await stopAll(procs, 5000);
      await ds?.destroy();
      await db?.drop();
      await deleteKeys(REDIS, prefix);
      await receiver?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('drains the backlog once, delivers every event', async () => {
      const api = await spawnNeraca('api', ['start', '--port', '0'], env('api'), /listening on/);
      procs.push(api);
      const url = api.url!;
      const ledger = (await call(url, 'POST', '/ledgers', { name: 'backlog' })).json.ledger_id;
      const to: string[] = [];
      for (let i = 0; i < 6; i++)
        to.push(
          (await call(url, 'POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json
            .balance_id,
        );
      const accepted = await Promise.all(
        Array.from({ length: TRANSFERS }, (_, i) =>
          call(url, 'POST', '/transactions', {
            source: '@World',
            destination: to[i % to.length],
            precise_amount: 7,
            currency: 'USD',
            reference: `backlog-${i}`,
            description: 'backlog',
            allow_overdraft: true,
          }),
        ),
      );
      expect(accepted.filter((r) => r.status !== 201 || r.json.status !== 'QUEUED')).toEqual([]);
      // No worker: nothing applied by the API process itself.
      const applied = async (): Promise<number> =>
        (
          await ds.query(
            `SELECT count(*)::int AS n FROM transactions WHERE status = 'APPLIED'
             AND reference LIKE 'backlog-%'`,
          )
        )[0].n as number;
      expect(await applied()).toBe(0);
      // Redis loses every signal and job it held.
      await deleteKeys(REDIS, prefix);

      const w1 = await spawnNeraca('w1', ['workers'], env('w1'), /workers running/);
      procs.push(w1);
      await waitFor(async () => (await applied()) > 0, 60000, 'the first worker to drain');
      w1.proc.kill('SIGTERM');
      const exit = await w1.exited;
      expect(exit.code).toBe(0);

      procs.push(await spawnNeraca('w2', ['workers'], env('w2'), /workers running/));
      await waitFor(
        async () => (await applied()) === TRANSFERS,
        90000,
        `all ${TRANSFERS} transfers applied`,
      ).catch(async (e: Error) => {
        throw new Error(`${e.message}: ${await applied()} applied`);
      });
      for (const [i, b] of to.entries()) {
        const want = 7n * BigInt(Math.ceil((TRANSFERS - i) / to.length));
        expect(BigInt((await call(url, 'GET', `/balances/${b}`)).json.balance)).toBe(want);
      }
      expect(await checkQueuedOutcomes(ds)).toEqual([]);
      expect(await checkInvariants(ds)).toEqual([]);

      // Every event delivered and received; an id twice only when w1 sent it and died before it
      // recorded the delivery (its lease then ran out).
      const outbox: { event_id: string; status: string }[] = await waitFor(
        async () => {
          const rows: { event_id: string; status: string }[] = await ds.query(
            `SELECT event_id, status FROM event_outbox WHERE entity <> 'balance-change'`,
          );
          return rows.length > 0 && rows.every((r) => r.status === 'delivered') ? rows : undefined;
        },
        120000,
        'every outbox event delivered',
      );
      const got = new Set(receiver.received.map((x) => x.headers['x-blnk-event-id'] as string));
      expect(outbox.filter((e) => !got.has(e.event_id))).toEqual([]);
      const known = new Set(outbox.map((e) => e.event_id));
      expect([...got].filter((id) => !known.has(id))).toEqual([]);
      const applies = receiver.received.filter((x) => x.json.event === 'transaction.applied');
      expect(new Set(applies.map((x) => x.json.data.transaction_id)).size).toBe(TRANSFERS);
    }, 400000);
  });
} else {
  describe('ops attacks: a backlog without workers, Redis emptied, a worker stopped mid-drain', () => {
    it('needs PostgreSQL and Redis, which .ci/run always provides', () => {
      const ci = readFileSync(join(__dirname, '../../.ci/run'), 'utf8');
      expect(ci).toMatch(/export BLNK_REDIS_DNS=/);
    });
  });
}
