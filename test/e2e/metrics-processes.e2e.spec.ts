import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from '../support/database';
import { NeracaProcess, spawnNeraca, stopAll } from '../support/neraca-process';
import { keyedCall } from '../support/keyed-call';
import { waitFor } from '../support/wait';

const DSN = process.env.BLNK_DATA_SOURCE_DNS;
const REDIS = process.env.BLNK_REDIS_DNS;
const KEY = 'metrics-processes-master-key-32-chars';
const TOKEN = 'metrics-token-of-the-operator';
/** With PostgreSQL and Redis the API and a worker are two processes; without, one embedded API. */
const SPLIT = !!(DSN && REDIS);

const call = keyedCall(KEY);

/** `null`: no Authorization header. */
async function scrape(url: string, token: string | null = TOKEN) {
  const r = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: r.status, text: await r.text() };
}

/** The value of one series (0 when absent), e.g. `blnk_transaction_total{status="QUEUED",currency="USD"}`. */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const total = (status: string) => `blnk_transaction_total{status="${status}",currency="USD"}`;

/**
 * GET /metrics after queued transfers (issue 17): acceptance is counted by the API process that
 * accepted, outcomes and drain batches by the process that drained: `neraca workers` on its own
 * metrics listener (server.metrics_port, the API's bearer-token rules), or the embedded API.
 */
describe('metrics of API and worker processes', () => {
  let dir: string;
  let db: TestDatabase | undefined;
  let procs: NeracaProcess[] = [];
  let api: string;
  let drainer: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'neraca-metrics-'));
    if (SPLIT) db = await createTestDatabase('postgres');
    const env: Record<string, string> = {
      BLNK_SERVER_SECRET_KEY: KEY,
      BLNK_METRICS_BEARER_TOKEN: TOKEN,
      NERACA_DATA_DIR: dir,
      NERACA_QUEUE_PREFIX: `metrics-${process.pid}`,
      NERACA_QUEUE_SWEEP_INTERVAL: '300ms',
      NERACA_LOG_LEVEL: 'warn',
      ...(db ? { BLNK_DATA_SOURCE_DNS: db.dsn, BLNK_REDIS_DNS: REDIS! } : {}),
    };
    const a = await spawnNeraca('api', ['start', '--port', '0'], env, /listening on/, 180000);
    procs.push(a);
    api = `${a.url}/metrics`;
    drainer = api;
    if (SPLIT) {
      const w = await spawnNeraca(
        'worker',
        ['workers'],
        { ...env, NERACA_METRICS_PORT: '0' },
        /workers running/,
        180000,
      );
      procs.push(w);
      drainer = /Metrics on (http:\/\/\S+)/.exec(w.output())![1];
    }
  });
  afterAll(async () => {
    await stopAll(procs);
    procs = [];
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts 3 accepted, 2 applied and 1 rejected (an overdraft) exactly', async () => {
    const url = api.replace(/\/metrics$/, '');
    const ledger = (await call(url, 'POST', '/ledgers', { name: 'metrics' })).json.ledger_id;
    const [a, b] = [
      (await call(url, 'POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json
        .balance_id as string,
      (await call(url, 'POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json
        .balance_id as string,
    ];
    const send = async (reference: string, source: string, destination: string) => {
      const r = await call(url, 'POST', '/transactions', {
        source,
        destination,
        precise_amount: 60,
        currency: 'USD',
        reference,
        description: 'metrics',
        allow_overdraft: source === '@World',
      });
      expect(r.status).toBe(201);
    };
    await send('m-fund', '@World', a);
    await waitFor(
      async () =>
        BigInt((await call(url, 'GET', `/balances/${a}`)).json.balance) === 60n ? true : undefined,
      60000,
      'the funding to be applied',
    );
    await send('m-ok', a, b);
    await waitFor(
      async () =>
        BigInt((await call(url, 'GET', `/balances/${b}`)).json.balance) === 60n ? true : undefined,
      60000,
      'the transfer to be applied',
    );
    // A has nothing left and no overdraft: rejected.
    await send('m-over', a, b);
    await waitFor(
      async () => {
        const t = (await scrape(drainer)).text;
        return value(t, total('APPLIED')) + value(t, total('REJECTED')) >= 3 ? true : undefined;
      },
      60000,
      'three outcomes',
    );

    const accepted = (await scrape(api)).text;
    expect(value(accepted, total('QUEUED'))).toBe(3);
    const drained = (await scrape(drainer)).text;
    expect(value(drained, total('APPLIED'))).toBe(2);
    expect(value(drained, total('REJECTED'))).toBe(1);
    expect(value(drained, 'blnk_transaction_rejected_total{reason="TXN_INSUFFICIENT_FUNDS"}')).toBe(
      1,
    );
    expect(
      value(drained, 'blnk_transaction_batch_total{result="committed"}'),
    ).toBeGreaterThanOrEqual(3);
    expect(value(drained, 'blnk_transaction_batch_size_count')).toBe(
      value(drained, 'blnk_transaction_batch_total{result="committed"}') +
        value(drained, 'blnk_transaction_batch_total{result="failed"}'),
    );
    expect(value(drained, 'neraca_drain_batch_duration_seconds_count{result="committed"}')).toBe(
      value(drained, 'blnk_transaction_batch_total{result="committed"}'),
    );
    if (SPLIT) {
      // Each process counts what it did: the API accepted, the worker drained.
      expect(value(accepted, total('APPLIED'))).toBe(0);
      expect(value(drained, total('QUEUED'))).toBe(0);
      // The worker reports its own process and pool too.
      expect(drained).toContain('neraca_process_resident_memory_bytes');
      expect(drained).toContain('neraca_db_pool_connections{state="max"}');
    }
  });

  it('counts skip_queue transfers where they are posted: applied, and refused as rejected', async () => {
    const url = api.replace(/\/metrics$/, '');
    const ledger = (await call(url, 'POST', '/ledgers', { name: 'metrics-sync' })).json.ledger_id;
    const balance = async () =>
      (await call(url, 'POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json
        .balance_id as string;
    const [a, b] = [await balance(), await balance()];
    const before = (await scrape(api)).text;
    const sync = (reference: string, source: string, destination: string) =>
      call(url, 'POST', '/transactions', {
        source,
        destination,
        precise_amount: 40,
        currency: 'USD',
        reference,
        description: 'metrics sync',
        allow_overdraft: source === '@World',
        skip_queue: true,
      });
    expect((await sync('s-fund', '@World', a)).status).toBe(201);
    expect((await sync('s-ok', a, b)).status).toBe(201);
    const refused = await sync('s-over', a, b);
    expect(refused.status).toBe(400);
    const after = (await scrape(api)).text;
    const delta = (series: string) => value(after, series) - value(before, series);
    expect(delta(total('APPLIED'))).toBe(2);
    expect(delta(total('REJECTED'))).toBe(1);
    expect(delta('blnk_transaction_rejected_total{reason="TXN_INSUFFICIENT_FUNDS"}')).toBe(1);
    expect(delta(total('QUEUED'))).toBe(0);
  });

  if (SPLIT) {
    it("the worker's listener keeps the API's bearer-token rules", async () => {
      const none = await scrape(drainer, null);
      expect(none.status).toBe(401);
      expect(JSON.parse(none.text).error_detail.code).toBe('AUTH_METRICS_TOKEN_REQUIRED');
      const wrong = await scrape(drainer, `${TOKEN}x`);
      expect(wrong.status).toBe(401);
      expect(JSON.parse(wrong.text).error_detail.code).toBe('AUTH_INVALID_BEARER_TOKEN');
      expect((await scrape(drainer)).status).toBe(200);
      const other = await fetch(drainer.replace(/\/metrics$/, '/health'));
      expect(other.status).toBe(404);
    });
  }
});
