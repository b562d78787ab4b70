import { startTestApp, TestApp } from '../support/app';
import { checkInvariants, checkQueuedOutcomes } from '../support/invariants';
import { PrivatePostgres, startPrivatePostgres } from '../support/private-postgres';
import { waitFor } from '../support/wait';

interface Answer {
  reference: string;
  queued: boolean;
  status: number;
  code?: string;
  retryAfter: string | null;
}

/**
 * An operator restarts PostgreSQL under load (issue 17): a private cluster this test starts, never
 * the machine's shared one. Every answer is 2xx, 4xx or 503 GEN_SERVICE_UNAVAILABLE with
 * Retry-After (never a 500); after the restart the service recovers by itself, every accepted
 * request is there and reaches exactly one outcome, and every invariant holds.
 */
describe('a PostgreSQL restart mid-load', () => {
  let server: PrivatePostgres;
  let t: TestApp;
  beforeAll(async () => {
    server = await startPrivatePostgres();
    const db = await server.createDatabase();
    // The database is the private server's (not dropped by close(): destroy() removes it all).
    t = await startTestApp({ shareDatabaseOf: { db } as TestApp });
  }, 120000);
  afterAll(async () => {
    await t?.close();
    await server?.destroy();
  });

  it('answers 503 with Retry-After while the database is away, loses nothing accepted', async () => {
    const ledger = (await t.http('POST', '/ledgers', { name: 'outage' })).json.ledger_id;
    const ids: string[] = [];
    for (let i = 0; i < 20; i++)
      ids.push(
        (await t.http('POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json.balance_id,
      );

    const answers: Answer[] = [];
    const unexpected: string[] = [];
    let n = 0;
    let stop = false;
    const client = async (c: number) => {
      while (!stop) {
        const i = n++;
        const queued = i % 2 === 0;
        const reference = `o-${i}`;
        const r = await t.http('POST', '/transactions', {
          source: i % 3 === 0 ? '@World' : ids[(i + c) % ids.length],
          destination: ids[(i + c + 1) % ids.length],
          precise_amount: 1 + (i % 50),
          currency: 'USD',
          description: 'outage',
          reference,
          allow_overdraft: i % 3 === 0,
          skip_queue: !queued,
        });
        const a: Answer = {
          reference,
          queued,
          status: r.status,
          code: r.json?.error_detail?.code,
          retryAfter: r.headers.get('retry-after'),
        };
        answers.push(a);
        const ok = r.status === 201 || (r.status >= 400 && r.status < 500);
        const outage = r.status === 503 && a.code === 'GEN_SERVICE_UNAVAILABLE' && !!a.retryAfter;
        if (!ok && !outage && unexpected.length < 10)
          unexpected.push(`${reference}: ${r.status} ${r.text.slice(0, 200)}`);
        // Reads meet the outage too.
        if (i % 10 === 0) {
          const g = await t.http('GET', `/balances/${ids[c % ids.length]}`);
          if (g.status !== 200 && g.status !== 503) unexpected.push(`GET balance: ${g.status}`);
        }
      }
    };
    const load = Promise.all(Array.from({ length: 10 }, (_, c) => client(c)));
    await waitFor(async () => (answers.length > 100 ? true : undefined), 60000, 'load to start');
    await server.restart();
    const restartedAt = answers.length;
    // Load goes on until the service answers again for a while after the restart.
    await waitFor(
      async () =>
        answers.length > restartedAt + 200 && answers.slice(-50).every((a) => a.status !== 503)
          ? true
          : undefined,
      120000,
      'the service to recover by itself',
    );
    stop = true;
    await load;

    expect(unexpected).toEqual([]);
    const outages = answers.filter((a) => a.status === 503);
    // The restart really reached the requests (each was told when to retry).
    expect(outages.length).toBeGreaterThan(0);
    expect(outages.every((a) => a.retryAfter === '1')).toBe(true);

    // Everything accepted is there (the queued engine drains after the restart).
    await waitFor(
      async () => {
        const [{ n: left }] = await t.ds.query(`SELECT count(*)::int AS n FROM queued_work`);
        return left === 0 ? true : undefined;
      },
      120000,
      'the queue to drain',
    );
    const accepted = answers.filter((a) => a.status === 201).map((a) => a.reference);
    const found: { reference: string }[] = await t.ds.query(
      `SELECT reference FROM transactions WHERE reference = ANY($1::text[])`,
      [accepted],
    );
    const there = new Set(found.map((f) => f.reference));
    expect(accepted.filter((r) => !there.has(r))).toEqual([]);
    expect(await checkQueuedOutcomes(t.ds)).toEqual([]);
    expect(await checkInvariants(t.ds)).toEqual([]);
  }, 300000);

  it('a stopped database answers 503 on reads and writes, GET /health DOWN, then recovers', async () => {
    await server.stop();
    try {
      const w = await t.http('POST', '/ledgers', { name: 'while down' });
      expect(w.status).toBe(503);
      expect(w.headers.get('retry-after')).toBe('1');
      expect(w.json.error_detail.code).toBe('GEN_SERVICE_UNAVAILABLE');
      const r = await t.http('GET', '/ledgers');
      expect(r.status).toBe(503);
      expect(r.json.error).toBe(r.json.error_detail.message);
      const h = await t.http('GET', '/health');
      expect(h.status).toBe(503);
      expect(h.json).toEqual({ status: 'DOWN', reason: 'database ping failed' });
      const ready = await t.http('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.json.error.database).toEqual({
        status: 'down',
        message: 'database ping failed',
      });
    } finally {
      await server.start();
    }
    await waitFor(
      async () => ((await t.http('GET', '/ledgers')).status === 200 ? true : undefined),
      60000,
      'reads to work again',
    );
    expect((await t.http('POST', '/ledgers', { name: 'after' })).status).toBe(201);
  }, 120000);
});
