import { createServer } from 'node:net';
import { Pool } from 'pg';
import { createDataSource } from '@libs/persistence/data-source';
import { toEnvelope } from '@libs/http/error.filter';
import { isServiceUnavailable } from '@libs/http/service-unavailable';
import { startEmbeddedPostgres } from '@libs/persistence/embedded-postgres';
import { createTestDatabase, TestDatabase } from '../support/database';

/** What a request's error turns into, as the global filter answers it. */
function answer(err: unknown) {
  const { status, body, headers } = toEnvelope(err);
  return { status, code: (body.error_detail as { code: string }).code, headers };
}

const UNAVAILABLE = {
  status: 503,
  code: 'GEN_SERVICE_UNAVAILABLE',
  headers: { 'retry-after': '1' },
};

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

/**
 * The errors a database outage really raises, produced here for real (not shaped by hand), map to
 * 503 GEN_SERVICE_UNAVAILABLE with Retry-After; a fault of the request or of Neraca stays what it
 * was. The restart of a whole server under load is test/e2e/database-outage.e2e.spec.ts.
 */
describe('database outages answer 503, not 500', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('a server that refuses connections (TypeORM initialize)', async () => {
    const ds = createDataSource({
      dsn: `postgres://postgres@127.0.0.1:${await closedPort()}/x?sslmode=disable`,
      poolSize: 1,
    });
    expect(answer(await caught(ds.initialize()))).toEqual(UNAVAILABLE);
  });

  it('no pooled connection free in time (pg-pool timeout)', async () => {
    const pool = new Pool({ connectionString: db.dsn, max: 1, connectionTimeoutMillis: 200 });
    const held = await pool.connect();
    try {
      expect(answer(await caught(pool.query('SELECT 1')))).toEqual(UNAVAILABLE);
    } finally {
      held.release();
      await pool.end();
    }
  });

  it('embedded: the PGlite socket gone (the process shutting it down), and the pool after end()', async () => {
    const pg = await startEmbeddedPostgres();
    const pool = new Pool({ connectionString: pg.dsn, max: 1 });
    pool.on('error', () => undefined);
    await pool.query('SELECT 1');
    await pg.stop();
    expect(answer(await caught(pool.query('SELECT 1')))).toEqual(UNAVAILABLE);
    await pool.end();
    expect(answer(await caught(pool.query('SELECT 1')))).toEqual(UNAVAILABLE);
  });

  // PGlite has one backend and no pg_terminate_backend: this case is PostgreSQL's (CI sets
  // BLNK_DATA_SOURCE_DNS; test/e2e/database-outage.e2e.spec.ts restarts a private server always).
  if (process.env.BLNK_DATA_SOURCE_DNS)
    it('a session the server terminates (57P01, as a fast shutdown does), and the pool after end()', async () => {
      const pool = new Pool({ connectionString: db.dsn, max: 1 });
      pool.on('error', () => undefined);
      const c = await pool.connect();
      c.on('error', () => undefined);
      const [{ pid }] = (await c.query('SELECT pg_backend_pid() AS pid')).rows;
      const killer = new Pool({ connectionString: db.dsn, max: 1 });
      const sleeping = caught(c.query('SELECT pg_sleep(10)'));
      await new Promise((r) => setTimeout(r, 200));
      await killer.query('SELECT pg_terminate_backend($1)', [pid]);
      await killer.end();
      const terminated = await sleeping;
      expect(answer(terminated)).toEqual(UNAVAILABLE);
      // Then the broken client itself refuses queries.
      expect(answer(await caught(c.query('SELECT 1')))).toEqual(UNAVAILABLE);
      c.release(true);
      await pool.end();
      expect(answer(await caught(pool.query('SELECT 1')))).toEqual(UNAVAILABLE);
    });

  it("a query's own fault is not an outage", async () => {
    const ds = createDataSource({ dsn: db.dsn, poolSize: 1, exclusive: db.kind === 'pglite' });
    await ds.initialize();
    try {
      const missing = await caught(ds.query('SELECT * FROM no_such_table'));
      expect(isServiceUnavailable(missing)).toBe(false);
      expect(answer(missing)).toMatchObject({ status: 500, code: 'GEN_INTERNAL' });
      expect(answer(missing).headers).toBeUndefined();
      const bad = await caught(ds.query(`SELECT 'x'::int`));
      expect(answer(bad)).toMatchObject({ status: 400, code: 'GEN_BAD_REQUEST' });
    } finally {
      await ds.destroy();
    }
  });

  it("a SQLSTATE-like code on an error that is not the server's counts for nothing", () => {
    expect(isServiceUnavailable(Object.assign(new Error('x'), { code: '08006' }))).toBe(false);
    expect(isServiceUnavailable(new Error('bug'))).toBe(false);
    expect(isServiceUnavailable(null)).toBe(false);
    expect(isServiceUnavailable('ECONNREFUSED')).toBe(false);
    // Wrapped a level or two deep (TypeORM's driverError, cause), it still counts.
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(isServiceUnavailable({ driverError: { cause: refused } })).toBe(true);
    expect(isServiceUnavailable(new AggregateError([new Error('x'), refused]))).toBe(true);
  });
});
