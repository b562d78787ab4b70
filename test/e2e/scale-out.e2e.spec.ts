import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { deleteKeys } from '../support/app';
import { createTestDatabase, openDataSource, TestDatabase } from '../support/database';
import { checkInvariants, checkQueuedOutcomes } from '../support/invariants';
import { NeracaProcess, spawnNeraca, stopAll } from '../support/neraca-process';
import { waitFor } from '../support/wait';
import { Received, startReceiver } from '../support/webhook-receiver';

const DSN = process.env.BLNK_DATA_SOURCE_DNS;
const REDIS = process.env.BLNK_REDIS_DNS;
const KEY = 'scale-out-master-key-of-32-characters';
/** Requests of the load, spread over both API processes. */
const OPS = 480;
const CLIENTS = 12;
/** Deliveries one relay round takes at once (WebhookSettings.concurrency): at most this many can
 * be in flight in a process when it is killed. */
const RELAY_ROUND = 20;
/** Which process sent a delivery: each worker adds its own header (notification.webhook.headers). */
const FROM = 'x-neraca-process';

type Kind = 'queued' | 'sync' | 'sync-hold' | 'queued-hold' | 'bulk';
interface Accepted {
  kind: Kind;
  reference: string;
  /** sync-hold / queued-hold: the id the hold answered, and whether its commit/void was accepted. */
  holdId?: string;
  action?: 'commit' | 'void';
  actionAccepted?: boolean;
  /** The error code of a refused commit/void. */
  actionRefused?: string;
  /** bulk: the batch id, how it ran and its item count. */
  batch?: { id: string; mode: 'plain' | 'atomic' | 'run_async'; size: number };
}

/**
 * Scale-out (issue 17): two `neraca start` processes (API only, with Redis) and two
 * `neraca workers` on one PostgreSQL database and one Redis prefix, all real child processes of
 * the compiled CLI. Clients load both APIs at once with queued transfers (some refused for lack
 * of funds), skip_queue transfers, holds committed or voided through the other API, and bulk
 * batches; a sixth of the way in one worker is SIGKILLed and the load goes on with the other
 * alone, which must take over every lane. Once everything has settled: every accepted request
 * has exactly one outcome, every invariant holds, and every outbox event reached the webhook
 * receiver, none twice but the few the killed worker had sent and not yet recorded.
 */
if (DSN && REDIS) {
  describe('scale-out: 2 API and 2 worker processes, one worker SIGKILLed mid-load', () => {
    let db: TestDatabase;
    let ds: DataSource;
    let dataDir: string;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    const prefix = `neraca-scale-${randomBytes(4).toString('hex')}`;
    const procs: NeracaProcess[] = [];

    const env = (name: string): Record<string, string> => ({
      BLNK_DATA_SOURCE_DNS: db.dsn,
      BLNK_REDIS_DNS: REDIS,
      NERACA_QUEUE_PREFIX: prefix,
      BLNK_QUEUE_NUMBER_OF_QUEUES: '8',
      NERACA_QUEUE_SWEEP_INTERVAL: '300ms',
      BLNK_SERVER_SECRET_KEY: KEY,
      BLNK_DATABASE_MAX_OPEN_CONNS: '8',
      NERACA_HOST: '127.0.0.1',
      NERACA_DATA_DIR: join(dataDir, name),
      BLNK_WEBHOOK_URL: receiver.url,
      BLNK_WEBHOOK_HEADERS: `${FROM}:${name}`,
      // The lease of a delivery is this plus 60 s: what the killed worker held waits that long.
      // Not shorter: on this loaded machine a live worker's attempt could time out after the
      // receiver had it and be sent again, a duplicate the test rightly counts as a failure.
      NERACA_WEBHOOK_TIMEOUT: '5s',
    });
    const api = (name: string) =>
      spawnNeraca(name, ['start', '--port', '0'], env(name), /listening on http/);
    const worker = (name: string) => spawnNeraca(name, ['workers'], env(name), /workers running/);

    beforeAll(async () => {
      receiver = await startReceiver();
      dataDir = mkdtempSync(join(tmpdir(), 'neraca-scale-'));
      // An empty database: the four processes start at once and migrate it, taking turns under
      // the migration lock, as a fresh deployment does.
      db = await createTestDatabase('postgres', { migrate: false });
      procs.push(...(await Promise.all([api('api-1'), api('api-2'), worker('w1'), worker('w2')])));
      ds = await openDataSource(db);
    });
    afterAll(async () => {
      await stopAll(procs, 5000);
      await ds?.destroy();
      await db?.drop();
      await deleteKeys(REDIS, prefix);
      await receiver?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('gives every accepted request one outcome, keeps every invariant, delivers every event', async () => {
      const [api1, api2, w1, w2] = procs;
      const unexpected: string[] = [];
      const call = async (
        base: NeracaProcess,
        method: string,
        path: string,
        body: unknown,
        allowed: number[],
      ) => {
        const r = await fetch(base.url + path, {
          method,
          headers: { 'x-blnk-key': KEY, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(30000),
        });
        const text = await r.text();
        if (!allowed.includes(r.status) && unexpected.length < 20)
          unexpected.push(`${base.name} ${method} ${path}: ${r.status} ${text.slice(0, 300)}`);
        return { status: r.status, json: text ? JSON.parse(text) : undefined };
      };

      // Set-up through the first API: funded USD and EUR balances, and USD ones never credited,
      // whose debits are always refused for lack of funds.
      const ledger = (await call(api1, 'POST', '/ledgers', { name: 'scale' }, [201])).json
        .ledger_id as string;
      const balance = async (currency: string) =>
        (await call(api2, 'POST', '/balances', { ledger_id: ledger, currency }, [201])).json
          .balance_id as string;
      const usd = await Promise.all(Array.from({ length: 30 }, () => balance('USD')));
      const eur = await Promise.all(Array.from({ length: 8 }, () => balance('EUR')));
      const dry = await Promise.all(Array.from({ length: 3 }, () => balance('USD')));
      await Promise.all(
        [...usd.map((id) => [id, 'USD']), ...eur.map((id) => [id, 'EUR'])].map(([id, cur], k) =>
          call(
            k % 2 ? api1 : api2,
            'POST',
            '/transactions',
            {
              source: '@World',
              destination: id,
              precise_amount: 5000,
              currency: cur,
              reference: `fund-${id}`,
              description: 'fund',
              allow_overdraft: true,
              skip_queue: true,
            },
            [201],
          ),
        ),
      );

      let seed = 17;
      const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
      const pair = (ids: string[]) => {
        const a = rnd(ids.length);
        return [ids[a], ids[(a + 1 + rnd(ids.length - 1)) % ids.length]];
      };
      const accepted: Accepted[] = [];
      let next = 0;
      let killedAt = 0;

      /** One request of the mix; `i` picks the kind, `here` and `there` are the two APIs. */
      const op = async (i: number, here: NeracaProcess, there: NeracaProcess) => {
        const reference = `so-${i}`;
        const transfer = (body: Record<string, unknown>) => ({
          currency: 'USD',
          description: 'scale',
          reference,
          ...body,
        });
        const post = (body: Record<string, unknown>, allowed: number[]) =>
          call(here, 'POST', '/transactions', transfer(body), allowed);
        const slot = i % 20;
        if (i % 75 === 74) {
          // A bulk batch of four queued items, in turn plain, atomic and run_async.
          const mode = (['plain', 'atomic', 'run_async'] as const)[Math.floor(i / 75) % 3];
          const items = Array.from({ length: 4 }, (_, k) => {
            const [s, d] = pair(usd);
            return transfer({
              source: s,
              destination: d,
              precise_amount: 1 + rnd(1500),
              reference: `${reference}-${k}`,
            });
          });
          const r = await call(
            here,
            'POST',
            '/transactions/bulk',
            {
              transactions: items,
              atomic: mode === 'atomic' || undefined,
              run_async: mode === 'run_async' || undefined,
            },
            [201, 202],
          );
          if (r.status === 201 || r.status === 202)
            accepted.push({
              kind: 'bulk',
              reference,
              batch: { id: r.json.batch_id, mode, size: items.length },
            });
        } else if (slot === 15 || slot === 16) {
          // A hold, then its commit or void sent to the other API: synchronous (slot 15) or
          // queued (slot 16, the commit naming the queued id before the hold may be applied).
          const sync = slot === 15;
          const [s, d] = pair(usd);
          const hold = await post(
            {
              source: s,
              destination: d,
              precise_amount: 1 + rnd(800),
              inflight: true,
              skip_queue: sync || undefined,
            },
            sync ? [201, 400] : [201],
          );
          if (hold.status !== 201) return;
          const action = rnd(2) ? 'commit' : 'void';
          const settle = await call(
            there,
            'PUT',
            `/transactions/inflight/${hold.json.transaction_id}`,
            { status: action, skip_queue: sync || undefined },
            // A queued hold the worker has refused in the meantime (its source ran short) is
            // not inflight any more: 400, checked against its outcome below.
            sync ? [200] : [200, 400],
          );
          accepted.push({
            kind: sync ? 'sync-hold' : 'queued-hold',
            reference,
            holdId: hold.json.transaction_id,
            action,
            actionAccepted: settle.status === 200,
            actionRefused: settle.status === 200 ? undefined : settle.json?.error_detail?.code,
          });
        } else if (slot >= 8 && slot <= 10) {
          // skip_queue between funded balances: applied now, or refused now (no outcome owed).
          const [s, d] = pair(usd);
          const r = await post(
            { source: s, destination: d, precise_amount: 1 + rnd(1200), skip_queue: true },
            [201, 400],
          );
          if (r.status === 201) accepted.push({ kind: 'sync', reference });
        } else {
          const [s, d] = slot === 12 || slot === 13 ? pair(eur) : pair(usd);
          const body =
            slot === 11
              ? // From @World, so money keeps coming in.
                {
                  source: '@World',
                  destination: d,
                  precise_amount: 1 + rnd(2000),
                  allow_overdraft: true,
                }
              : slot === 14
                ? // From a balance that never has funds: always REJECTED by the worker.
                  { source: dry[rnd(dry.length)], destination: d, precise_amount: 50 }
                : { source: s, destination: d, precise_amount: 1 + rnd(1200) };
          const r = await post(
            { ...body, currency: slot === 12 || slot === 13 ? 'EUR' : 'USD' },
            [201],
          );
          if (r.status === 201) accepted.push({ kind: 'queued', reference });
        }
      };

      const client = async (c: number) => {
        const [here, there] = c % 2 ? [api1, api2] : [api2, api1];
        while (next < OPS) {
          const i = next++;
          if (i === Math.floor(OPS / 6)) {
            // Early, so that the rest of the load overlaps the wait for the deliveries w1 had
            // leased (their lease runs a minute); and only once w1 has demonstrably been working.
            await waitFor(
              async () => receiver.received.some((x) => x.headers[FROM] === 'w1') || undefined,
              60000,
              'w1 to deliver a webhook',
            );
            w1.proc.kill('SIGKILL');
            killedAt = Date.now();
          }
          await op(i, here, there);
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));

      expect(unexpected).toEqual([]);
      expect(await w1.exited).toEqual({ code: null, signal: 'SIGKILL' });
      // The other three are still running.
      for (const p of [api1, api2, w2]) expect(p.proc.exitCode).toBeNull();
      expect(accepted.length).toBeGreaterThan(OPS * 0.6);

      // Settled: no work left, every batch finished, every event out (the events the killed
      // worker had leased wait for their lease, the timeout plus 60 s, to run out).
      let left = '';
      await waitFor(
        async () => {
          const [s] = await ds.query(
            `SELECT (SELECT json_object_agg(lane, n) FROM (SELECT lane, count(*)::int AS n
                     FROM queued_work GROUP BY lane) l) AS work_by_lane,
                    (SELECT count(*)::int FROM bulk_batches WHERE finished_at IS NULL) AS batches,
                    (SELECT count(*)::int FROM event_outbox WHERE status = 'pending') AS events`,
          );
          left = JSON.stringify(s);
          return !s.work_by_lane && s.batches + s.events === 0 ? true : undefined;
        },
        110000,
        'the queue, the batches and the outbox to settle after the kill',
      ).catch((e: Error) => {
        throw new Error(`${e.message}; still left: ${left}`);
      });

      // Nothing stuck QUEUED, nothing applied twice, every balance the sum of its rows, every
      // currency summing to zero.
      expect(await checkQueuedOutcomes(ds)).toEqual([]);
      expect(await checkInvariants(ds)).toEqual([]);

      // Each accepted request, one by one: exactly one outcome of the kind it asked for.
      const problems: string[] = [];
      const rows: {
        reference: string;
        transaction_id: string;
        status: string;
        outcome_of: string | null;
        settles: string | null;
        parent_transaction: string | null;
      }[] = await ds.query(
        `SELECT reference, transaction_id, status, outcome_of, settles, parent_transaction
         FROM transactions WHERE reference LIKE 'so-%' OR settles IS NOT NULL`,
      );
      const byRef = new Map<string, typeof rows>();
      for (const r of rows) byRef.set(r.reference, [...(byRef.get(r.reference) ?? []), r]);
      const outcomeOf = new Map<string, typeof rows>();
      const settledBy = new Map<string, typeof rows>();
      for (const r of rows) {
        if (r.outcome_of) outcomeOf.set(r.outcome_of, [...(outcomeOf.get(r.outcome_of) ?? []), r]);
        if (r.settles) settledBy.set(r.settles, [...(settledBy.get(r.settles) ?? []), r]);
      }
      /** The single QUEUED row of `ref` and its single outcome, or a problem. */
      const queuedOutcome = (ref: string) => {
        const q = byRef.get(ref) ?? [];
        if (q.length !== 1 || q[0].status !== 'QUEUED') {
          problems.push(`${ref}: ${q.length} rows (${q.map((r) => r.status)}), not one QUEUED`);
          return undefined;
        }
        const o = outcomeOf.get(q[0].transaction_id) ?? [];
        if (o.length !== 1) problems.push(`${ref}: ${o.length} outcomes`);
        else if (o[0].reference !== `${ref}_q`)
          problems.push(`${ref}: outcome is ${o[0].reference}`);
        return o.length === 1 ? o[0] : undefined;
      };
      let rejected = 0;
      for (const a of accepted) {
        if (a.kind === 'queued') {
          if (queuedOutcome(a.reference)?.status === 'REJECTED') rejected++;
        } else if (a.kind === 'sync') {
          const r = byRef.get(a.reference) ?? [];
          if (r.length !== 1 || r[0].status !== 'APPLIED')
            problems.push(`${a.reference}: ${r.map((x) => x.status)}, not one APPLIED`);
        } else if (a.kind === 'sync-hold' || a.kind === 'queued-hold') {
          let hold: string | undefined = a.holdId;
          if (a.kind === 'queued-hold') {
            const o = queuedOutcome(a.reference);
            hold = o?.status === 'INFLIGHT' ? o.transaction_id : undefined;
            if (
              !a.actionAccepted &&
              (o?.status !== 'REJECTED' || a.actionRefused !== 'TXN_NOT_INFLIGHT')
            )
              problems.push(
                `${a.reference}: ${a.action} refused (${a.actionRefused}), hold ${o?.status}`,
              );
          }
          const settlements = hold ? (settledBy.get(hold) ?? []) : [];
          const want = hold && a.actionAccepted ? 1 : 0;
          if (settlements.length !== want)
            problems.push(`${a.reference}: ${settlements.length} settlements, want ${want}`);
          else if (want && settlements[0].status !== (a.action === 'commit' ? 'APPLIED' : 'VOID'))
            problems.push(`${a.reference}: ${a.action} settled as ${settlements[0].status}`);
        } else {
          const b = a.batch!;
          const items = rows.filter((r) => r.parent_transaction === b.id && r.status === 'QUEUED');
          if (items.length !== b.size) problems.push(`${b.id}: ${items.length} of ${b.size} items`);
          const statuses = items.map((q) => queuedOutcome(q.reference)?.status);
          if (b.mode === 'atomic' && new Set(statuses).size !== 1)
            problems.push(`${b.id}: atomic batch ended ${statuses}`);
        }
      }
      expect(problems).toEqual([]);
      // The never-funded balances' debits were refused by a worker, not lost.
      expect(rejected).toBeGreaterThan(0);
      for (const kind of ['queued', 'sync', 'sync-hold', 'queued-hold', 'bulk'])
        expect(accepted.filter((a) => a.kind === kind).length).toBeGreaterThan(0);

      // One bulk_transaction.* event per run_async batch (and per failed atomic one), never more.
      const batchEvents: { entity_id: string; n: number }[] = await ds.query(
        `SELECT entity_id, count(*)::int AS n FROM event_outbox WHERE event LIKE 'bulk_transaction.%'
         GROUP BY entity_id`,
      );
      for (const a of accepted.filter((x) => x.batch?.mode === 'run_async'))
        expect(batchEvents.find((e) => e.entity_id === a.batch!.id)?.n).toBe(1);
      expect(batchEvents.filter((e) => e.n !== 1)).toEqual([]);

      // Webhooks: every outbox event delivered (none failed or skipped), each received, none
      // unknown; an id received twice only where the killed worker sent it before it died and
      // had not recorded it, so its lease ran out and the survivor sent it again.
      const outbox: { event_id: string; status: string }[] = await ds.query(
        `SELECT event_id, status FROM event_outbox WHERE entity <> 'balance-change'`,
      );
      expect(outbox.filter((e) => e.status !== 'delivered')).toEqual([]);
      const got = new Map<string, Received[]>();
      for (const x of receiver.received) {
        const id = x.headers['x-blnk-event-id'] as string;
        got.set(id, [...(got.get(id) ?? []), x]);
      }
      expect(outbox.filter((e) => !got.has(e.event_id))).toEqual([]);
      const known = new Set(outbox.map((e) => e.event_id));
      expect([...got.keys()].filter((id) => !known.has(id))).toEqual([]);
      expect(receiver.received.filter((x) => x.status !== 200)).toEqual([]);
      const twice = [...got].filter(([, xs]) => xs.length > 1);
      const unexplained = twice.filter(
        ([, xs]) => xs.length !== 2 || xs[0].headers[FROM] !== 'w1' || xs[1].headers[FROM] !== 'w2',
      );
      expect(unexplained.map(([id, xs]) => `${id}: ${xs.map((x) => x.headers[FROM])}`)).toEqual([]);
      expect(twice.length).toBeLessThanOrEqual(RELAY_ROUND);
      expect(killedAt).toBeGreaterThan(0);
    }, 240000);
  });
} else {
  describe('scale-out: 2 API and 2 worker processes, one worker SIGKILLed mid-load', () => {
    it('needs PostgreSQL and Redis, which .ci/run always provides', () => {
      // Separate API and worker processes share a real PostgreSQL and Redis; make sure CI keeps
      // giving it both.
      const ci = readFileSync(join(__dirname, '../../.ci/run'), 'utf8');
      expect(ci).toMatch(/export BLNK_DATA_SOURCE_DNS=/);
      expect(ci).toMatch(/export BLNK_REDIS_DNS=/);
    });
  });
}
