import { createServer } from 'node:net';
import { QueueSettings } from '../../src/modules/transaction/application/queued/queue-settings';
import { NestFactory } from '@nestjs/core';
import { WorkQueue } from '../../src/modules/transaction/application/queued/ports/work-queue';
import { LaneQueueModule } from '../../src/modules/transaction/lane-queue.module';
import { startTestApp, TestApp } from '../support/app';

const REDIS = process.env.BLNK_REDIS_DNS;
const LIMIT = 3;

/**
 * GET /health/ready (issue 17, @nestjs/terminus): the database, Redis when configured, every
 * migration applied, the queue under back-pressure. GET /health stays reference §2.1's.
 */
describe('GET /health/ready', () => {
  let t: TestApp;
  beforeAll(async () => {
    // No workers: queued transfers stay pending, so back-pressure can be reached.
    t = await startTestApp({
      workers: false,
      queueSettings: new QueueSettings(4, 500, LIMIT, 500),
    });
  });
  afterAll(() => t.close());

  const ready = async () => {
    // Public: no key needed, even with server.secure on.
    const r = await fetch(`${t.url}/health/ready`);
    return { status: r.status, json: (await r.json()) as any };
  };

  it('is 200 with every check up; /health is unchanged', async () => {
    const r = await ready();
    expect(r.status).toBe(200);
    expect(r.json.status).toBe('ok');
    expect(r.json.error).toEqual({});
    expect(Object.keys(r.json.details).sort()).toEqual(
      REDIS ? ['database', 'migrations', 'queue', 'redis'] : ['database', 'migrations', 'queue'],
    );
    expect(r.json.details.queue).toEqual({ status: 'up', pending: 0, limit: LIMIT });
    const h = await fetch(`${t.url}/health`);
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ status: 'UP' });
  });

  it('is 503 naming a migration the database has not applied', async () => {
    const [last] = await t.ds.query(
      `SELECT id, timestamp, name FROM blnk.neraca_migrations ORDER BY id DESC LIMIT 1`,
    );
    await t.ds.query(`DELETE FROM blnk.neraca_migrations WHERE id = $1`, [last.id]);
    try {
      const r = await ready();
      expect(r.status).toBe(503);
      expect(r.json.status).toBe('error');
      expect(r.json.error.migrations).toEqual({
        status: 'down',
        message: 'migrations not applied',
        pending: [last.name],
      });
      expect(r.json.info.database).toEqual({ status: 'up' });
    } finally {
      await t.ds.query(
        `INSERT INTO blnk.neraca_migrations (id, timestamp, name) VALUES ($1, $2, $3)`,
        [last.id, last.timestamp, last.name],
      );
    }
    expect((await ready()).status).toBe(200);
  });

  it('is 503 once the queue reaches back-pressure, while /health stays UP', async () => {
    const ledger = (await t.http('POST', '/ledgers', { name: 'ready' })).json.ledger_id;
    const b = (await t.http('POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json
      .balance_id;
    for (let i = 0; i < LIMIT; i++) {
      const r = await t.http('POST', '/transactions', {
        source: '@World',
        destination: b,
        precise_amount: 1,
        currency: 'USD',
        description: 'ready',
        reference: `ready-${i}`,
        allow_overdraft: true,
      });
      expect(r.status).toBe(201);
    }
    const r = await ready();
    expect(r.status).toBe(503);
    expect(r.json.error.queue).toEqual({
      status: 'down',
      message: 'queue over back-pressure',
      pending: LIMIT,
      limit: LIMIT,
    });
    // What the readiness says is what a queued transfer meets (once the engine's count, kept
    // for half a second, is read again).
    await new Promise((resolve) => setTimeout(resolve, 600));
    const refused = await t.http('POST', '/transactions', {
      source: '@World',
      destination: b,
      precise_amount: 1,
      currency: 'USD',
      description: 'ready',
      reference: 'ready-over',
      allow_overdraft: true,
    });
    expect(refused.status).toBe(503);
    expect(refused.json.error_detail.code).toBe('QUEUE_BACKPRESSURE');
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
  });
});

/** The lane queues as an API process builds them (BullMQ, signalling only). */
async function laneQueues(dsn: string, prefix: string) {
  const ctx = await NestFactory.createApplicationContext(
    LaneQueueModule.with({ redis: { dsn, lanes: 1, prefix, consume: false } }),
    { logger: false },
  );
  return { q: ctx.get(WorkQueue), close: () => ctx.close() };
}

describe('the Redis check of readiness', () => {
  it('fails in time against a Redis that does not answer', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const { q, close } = await laneQueues(`127.0.0.1:${port}`, 'ready-none');
    try {
      const started = Date.now();
      expect(q.transport).toBe('redis');
      expect(await q.ping(300)).toBe(false);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await close();
    }
  });

  if (REDIS)
    it('passes against the configured Redis', async () => {
      const { q, close } = await laneQueues(REDIS, 'ready-up');
      try {
        expect(await q.ping(3000)).toBe(true);
      } finally {
        await close();
      }
    });
});
