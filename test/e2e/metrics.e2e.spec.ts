import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createHttpApp } from '../../src/app/http-app';
import { AuthSettings } from '../../src/modules/auth/auth-settings';
import { QueueSettings } from '../../src/modules/transaction/application/queued/queue-settings';
import { InProcessWorkQueue } from '../../src/modules/transaction/infrastructure/memory/in-process-work-queue';
import { startTestApp, TestApp, TEST_KEY } from '../support/app';
import { createTestDatabase, openDataSource, TestDatabase } from '../support/database';

const TOKEN = 'metrics-token-of-the-operator';

/** An API without background work (queued transfers stay waiting) and a metrics token. */
async function serverWithToken(db: TestDatabase, ds: DataSource) {
  const app: NestFastifyApplication = await createHttpApp({
    dataSource: ds,
    auth: new AuthSettings(true, TEST_KEY, undefined, TOKEN),
    lanes: { inProcess: new InProcessWorkQueue() },
    queueSettings: new QueueSettings(4, 500, 100000, 500),
    bodyLimitMb: 5,
    logLevels: false,
  });
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  return { app, url, db };
}

const scrape = async (url: string, headers: Record<string, string> = {}) => {
  const r = await fetch(`${url}/metrics`, { headers });
  const text = await r.text();
  return { status: r.status, text, type: r.headers.get('content-type') };
};
const code = (text: string) => JSON.parse(text).error_detail.code as string;

/** GET /metrics (issue 17): Prometheus text, reference §2.1's auth matrix. */
describe('GET /metrics', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let s: Awaited<ReturnType<typeof serverWithToken>>;
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await openDataSource(db);
    s = await serverWithToken(db, ds);
  });
  afterAll(async () => {
    await s.app.close();
    await ds.destroy();
    await db.drop();
  });

  it('with a token set, asks for it as a bearer and nothing else', async () => {
    expect(code((await scrape(s.url)).text)).toBe('AUTH_METRICS_TOKEN_REQUIRED');
    const missing = await scrape(s.url, { 'x-blnk-key': TEST_KEY });
    expect(missing.status).toBe(401);
    expect(code(missing.text)).toBe('AUTH_METRICS_TOKEN_REQUIRED');
    expect(code((await scrape(s.url, { authorization: `Basic ${TOKEN}` })).text)).toBe(
      'AUTH_METRICS_TOKEN_REQUIRED',
    );
    const wrong = await scrape(s.url, { authorization: `Bearer ${TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(code(wrong.text)).toBe('AUTH_INVALID_BEARER_TOKEN');
    expect(code((await scrape(s.url, { authorization: 'Bearer ' })).text)).toBe(
      'AUTH_METRICS_TOKEN_REQUIRED',
    );
    const query = await fetch(`${s.url}/metrics?token=${TOKEN}`);
    expect(query.status).toBe(401);
  });

  it('is scraped: request durations by route pattern, queue per lane, outbox, pool, memory', async () => {
    const call = (method: string, path: string, body?: unknown) =>
      fetch(s.url + path, {
        method,
        headers: { 'x-blnk-key': TEST_KEY, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
    const ledger = (await call('POST', '/ledgers', { name: 'metrics' })).json.ledger_id;
    const b = (await call('POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json
      .balance_id;
    expect((await call('GET', '/ledgers/ldg_nothing_here')).status).toBe(404);
    for (let i = 0; i < 3; i++) {
      const r = await call('POST', '/transactions', {
        source: '@World',
        destination: b,
        precise_amount: 1,
        currency: 'USD',
        description: 'metrics',
        reference: `m-${i}`,
        allow_overdraft: true,
      });
      expect(r.status).toBe(201);
    }
    const r = await scrape(s.url, { authorization: `Bearer ${TOKEN}` });
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
    // A pattern, never the id: one series per route.
    expect(r.text).toMatch(
      /neraca_http_request_duration_seconds_count\{method="GET",route="\/ledgers\/:id",status="404"\} 1\n/,
    );
    expect(r.text).not.toContain('ldg_nothing_here');
    expect(r.text).toMatch(
      /neraca_http_request_duration_seconds_count\{method="POST",route="\/transactions",status="201"\} 3\n/,
    );
    const depth = [...r.text.matchAll(/^neraca_queue_depth\{lane="\d+"\} (\d+)$/gm)];
    expect(depth.reduce((n, m) => n + Number(m[1]), 0)).toBe(3);
    expect(r.text).toMatch(/^neraca_queue_oldest_age_seconds\{lane="\d+"\} [0-9.e-]+$/m);
    expect(r.text).toMatch(/^neraca_webhook_events\{outcome="pending"\} [1-9]\d*$/m);
    expect(r.text).toMatch(/^neraca_db_pool_connections\{state="max"\} [1-9]\d*$/m);
    expect(r.text).toMatch(/^neraca_process_resident_memory_bytes \d+/m);
    // Never a key or a secret.
    expect(r.text).not.toContain(TEST_KEY);
    expect(r.text).not.toContain(TOKEN);
  });
});

describe('GET /metrics without a token', () => {
  let secure: TestApp;
  let open: TestApp;
  beforeAll(async () => {
    secure = await startTestApp({ workers: false });
    open = await startTestApp({ workers: false, secure: false, shareDatabaseOf: secure });
  });
  afterAll(async () => {
    await open.close();
    await secure.close();
  });

  it('is disabled (403) while authentication is on, even for the master key', async () => {
    const r = await scrape(secure.url, { 'x-blnk-key': TEST_KEY });
    expect(r.status).toBe(403);
    expect(code(r.text)).toBe('AUTH_METRICS_DISABLED');
  });

  it('is open while authentication is off', async () => {
    const r = await scrape(open.url);
    expect(r.status).toBe(200);
    expect(r.text).toContain('# TYPE neraca_http_request_duration_seconds histogram');
  });
});
