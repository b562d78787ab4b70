import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { createDataSource } from '@libs/persistence/data-source';
import {
  isRefusedPlan,
  PER_CONNECTION,
  PLAN_LIFETIME_MS,
  preparingClient,
  REPEATS,
  StatementNames,
} from '@libs/persistence/prepared-statements';
import { sql } from '@libs/persistence/tx';
import { TypeOrmUnitOfWork } from '@libs/persistence/typeorm-unit-of-work';
import { createTestDatabase, TestDatabase } from '../support/database';

/** The statements the runner's own connection holds prepared (a query without parameters). */
async function prepared(runner: QueryRunner): Promise<string[]> {
  const rows: { statement: string }[] = await runner.query(
    'SELECT statement FROM pg_prepared_statements ORDER BY prepare_time',
  );
  return rows.map((r) => r.statement);
}

async function sendTimes(runner: QueryRunner, n: number, text: string, values: unknown[]) {
  const answers: unknown[] = [];
  for (let i = 0; i < n; i++) answers.push(await runner.query(text, values));
  return answers;
}

async function failure(p: Promise<unknown>): Promise<{ code?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string };
  }
  throw new Error('expected a failure');
}

/**
 * data_source.prepared_statements: frequent parameterised statements go named, on PostgreSQL
 * only, and a migration under a running process never breaks a statement twice.
 */
describe('named prepared statements', () => {
  let db: TestDatabase;
  const sources: DataSource[] = [];
  async function open(opts: { exclusive?: boolean; preparedStatements?: boolean } = {}) {
    const ds = createDataSource({ dsn: db.dsn, poolSize: 1, preparedStatements: true, ...opts });
    await ds.initialize();
    sources.push(ds);
    const runner = ds.createQueryRunner();
    await runner.connect();
    return { ds, runner };
  }

  afterEach(async () => {
    // PGlite's socket takes a handful of connections: close each test's sources.
    for (const ds of sources.splice(0)) await ds.destroy();
  });

  describe('embedded (PGlite, exclusive)', () => {
    beforeAll(async () => {
      db = await createTestDatabase('pglite');
    });
    afterAll(() => db.drop());

    it('prepares nothing: every connection of its socket shares one session', async () => {
      const { runner } = await open({ exclusive: true });
      const answers = await sendTimes(runner, REPEATS * 2, 'SELECT $1::int + 1 AS n', [41]);
      expect(answers).toEqual(Array(REPEATS * 2).fill([{ n: 42 }]));
      expect(await prepared(runner)).toEqual([]);
    });
  });

  if (process.env.BLNK_DATA_SOURCE_DNS) {
    describe('PostgreSQL', () => {
      beforeAll(async () => {
        db = await createTestDatabase('postgres');
      });
      afterAll(() => db.drop());

      it('names a statement on its REPEATS-th send and answers alike before and after', async () => {
        const { runner } = await open();
        const text = 'SELECT $1::int + 1 AS n';
        expect(await sendTimes(runner, REPEATS - 1, text, [1])).toEqual(
          Array(REPEATS - 1).fill([{ n: 2 }]),
        );
        expect(await prepared(runner)).toEqual([]);
        expect(await sendTimes(runner, 3, text, [2])).toEqual(Array(3).fill([{ n: 3 }]));
        expect(await prepared(runner)).toEqual([text]);
      });

      it('never names a statement without parameters, or one whose columns come from *', async () => {
        const { runner } = await open();
        await sendTimes(runner, REPEATS * 2, 'SELECT 1 AS one', []);
        const star = 'SELECT * FROM ledgers WHERE ledger_id = $1';
        await sendTimes(runner, REPEATS * 2, star, ['nope']);
        const count = 'SELECT count(*) AS n FROM ledgers WHERE ledger_id = $1';
        expect(await sendTimes(runner, REPEATS, count, ['nope'])).toContainEqual([{ n: '0' }]);
        expect(await prepared(runner)).toEqual([count]);
      });

      it('names a write whose * returns no rows, and it survives a migration', async () => {
        const app = await open();
        const migrator = await open();
        await migrator.runner.query('CREATE TABLE write_probe (id int PRIMARY KEY, a int)');
        const insert = 'INSERT INTO write_probe (id, a) SELECT * FROM unnest($1::int[], $2::int[])';
        for (let i = 0; i < REPEATS; i++) await app.runner.query(insert, [[i], [i * 10]]);
        expect(await prepared(app.runner)).toEqual([insert]);

        // A new column and a changed type: no result row type to refuse, so the named insert
        // runs on, inside a transaction too, re-planned by PostgreSQL.
        await migrator.runner.query('ALTER TABLE write_probe ADD COLUMN b int');
        await migrator.runner.query('ALTER TABLE write_probe ALTER COLUMN a TYPE bigint');
        await app.runner.startTransaction();
        await app.runner.query(insert, [[100], [1000]]);
        await app.runner.commitTransaction();
        expect(
          await migrator.runner.query('SELECT a::int AS a, b FROM write_probe WHERE id = 100'),
        ).toEqual([{ a: 1000, b: null }]);
        expect(await prepared(app.runner)).toEqual([insert]);
      });

      it('is on unless turned off', async () => {
        const on = await open({ preparedStatements: undefined });
        await sendTimes(on.runner, REPEATS * 2, 'SELECT $1::int AS n', [5]);
        expect(await prepared(on.runner)).toEqual(['SELECT $1::int AS n']);
        const off = await open({ preparedStatements: false });
        await sendTimes(off.runner, REPEATS * 2, 'SELECT $1::int AS n', [5]);
        expect(await prepared(off.runner)).toEqual([]);
      });

      it(`keeps at most ${PER_CONNECTION} statements on one connection`, async () => {
        const { runner } = await open();
        for (let r = 0; r < REPEATS; r++) {
          for (let i = 0; i < PER_CONNECTION + 5; i++) {
            expect(await runner.query(`SELECT $1::int + ${i} AS n`, [1])).toEqual([{ n: 1 + i }]);
          }
        }
        expect((await prepared(runner)).length).toBe(PER_CONNECTION);
        // Past the bound a text still answers, unnamed.
        expect(await runner.query(`SELECT $1::int + ${PER_CONNECTION + 4} AS n`, [1])).toEqual([
          { n: PER_CONNECTION + 5 },
        ]);
      });

      it('survives a migration under a prepared statement', async () => {
        const app = await open();
        const migrator = await open();
        await migrator.runner.query('CREATE TABLE plan_probe (id int PRIMARY KEY, a int)');
        await migrator.runner.query('INSERT INTO plan_probe VALUES (1, 10), (2, 20)');
        const read = 'SELECT a FROM plan_probe WHERE id = $1';
        const inTx = 'SELECT a AS v FROM plan_probe WHERE id = $1';
        await sendTimes(app.runner, REPEATS, read, [1]);
        await sendTimes(app.runner, REPEATS, inTx, [1]);
        expect(await prepared(app.runner)).toEqual([read, inTx]);

        // A new column and index: PostgreSQL re-plans the named statement by itself.
        await migrator.runner.query('ALTER TABLE plan_probe ADD COLUMN b int');
        await migrator.runner.query('CREATE INDEX plan_probe_a ON plan_probe (a)');
        expect(await app.runner.query(read, [2])).toEqual([{ a: 20 }]);

        // A changed result type: the cached plan is refused once (0A000). Outside a
        // transaction the statement is sent again unnamed and answers.
        await migrator.runner.query('ALTER TABLE plan_probe ALTER COLUMN a TYPE bigint');
        expect(await app.runner.query(read, [2])).toEqual([{ a: '20' }]);

        // Inside a transaction the refusal aborts it; the retry of the whole transaction
        // goes unnamed and succeeds.
        await app.runner.startTransaction();
        expect((await failure(app.runner.query(inTx, [2]))).code).toBe('0A000');
        await app.runner.rollbackTransaction();
        await app.runner.startTransaction();
        expect(await app.runner.query(inTx, [2])).toEqual([{ v: '20' }]);
        await app.runner.commitTransaction();
        expect(await sendTimes(app.runner, REPEATS, inTx, [1])).toEqual(
          Array(REPEATS).fill([{ v: '10' }]),
        );
      });

      it('runs a unit of work again when its plan was refused under a migration', async () => {
        const app = await open();
        const migrator = await open();
        await migrator.runner.query('CREATE TABLE uow_probe (id int PRIMARY KEY, a int)');
        await migrator.runner.query('INSERT INTO uow_probe VALUES (1, 10)');
        await app.runner.release(); // the pool's one connection is the unit of work's
        const uow = new TypeOrmUnitOfWork(app.ds);
        const read = 'SELECT a FROM uow_probe WHERE id = $1';
        let attempts = 0;
        const work = () =>
          uow.run(async (tx) => {
            attempts++;
            return (await sql(tx).query(read, [1])) as unknown;
          });
        for (let i = 0; i < REPEATS; i++) await work();
        const statements = await uow.run((tx) =>
          sql(tx).query('SELECT statement FROM pg_prepared_statements'),
        );
        expect(statements).toEqual([{ statement: read }]);
        await migrator.runner.query('ALTER TABLE uow_probe ALTER COLUMN a TYPE bigint');
        attempts = 0;
        expect(await work()).toEqual([{ a: '10' }]);
        expect(attempts).toBe(2);
      });

      describe("a session that is not the connection's own (a pooler in transaction mode)", () => {
        let names: StatementNames;
        let pool: Pool;
        beforeEach(() => {
          names = new StatementNames();
          pool = new Pool({ connectionString: db.dsn, max: 1, Client: preparingClient(names) });
        });
        afterEach(() => pool.end());
        const held = async () =>
          (await pool.query('SELECT name FROM pg_prepared_statements')).rows as unknown[];

        it('lost its statements: the send is answered unnamed and the pool names nothing more', async () => {
          const text = 'SELECT $1::int + 7 AS n';
          for (let i = 0; i < REPEATS; i++) await pool.query(text, [1]);
          expect(await held()).toHaveLength(1);
          await pool.query('DEALLOCATE ALL'); // what another client's DISCARD ALL does to it
          expect((await pool.query(text, [2])).rows).toEqual([{ n: 9 }]);
          expect(names.stopped).toBe(true);
          for (let i = 0; i < REPEATS; i++) await pool.query(text, [3]);
          expect(await held()).toEqual([]);
        });

        it('lost them inside a transaction: that transaction fails once, as retryable', async () => {
          const text = 'SELECT $1::int + 8 AS n';
          for (let i = 0; i < REPEATS; i++) await pool.query(text, [1]);
          await pool.query('DEALLOCATE ALL');
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            const err = await failure(client.query(text, [2]));
            expect(err.code).toBe('26000');
            expect(isRefusedPlan(err)).toBe(true);
            await client.query('ROLLBACK');
            await client.query('BEGIN');
            expect((await client.query(text, [2])).rows).toEqual([{ n: 10 }]);
            await client.query('COMMIT');
          } finally {
            client.release();
          }
        });

        it('holds a name it did not prepare: answered unnamed, and naming stops', async () => {
          const text = 'SELECT $1::int + 9 AS n';
          const name = `neraca_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
          await pool.query(`PREPARE ${name}(int) AS SELECT $1::int + 9 AS n`);
          const answers: unknown[] = [];
          for (let i = 0; i < REPEATS + 1; i++) answers.push((await pool.query(text, [1])).rows);
          expect(answers).toEqual(Array(REPEATS + 1).fill([{ n: 10 }]));
          expect(names.stopped).toBe(true);
        });
      });

      describe("failures that are not the plan's", () => {
        let names: StatementNames;
        let pool: Pool;
        let clock = 0;
        beforeEach(() => {
          clock = 1_000_000;
          names = new StatementNames(PLAN_LIFETIME_MS, () => clock);
          pool = new Pool({ connectionString: db.dsn, max: 1, Client: preparingClient(names) });
        });
        afterEach(() => pool.end());
        const held = async () =>
          (await pool.query('SELECT statement FROM pg_prepared_statements ORDER BY 1')).rows.map(
            (r: { statement: string }) => r.statement,
          );

        it('a value pg cannot send (it closes the statement) leaves the next send whole', async () => {
          const text = 'SELECT $1::jsonb AS j';
          for (let i = 0; i < REPEATS; i++) await pool.query(text, [{ a: 1 }]);
          expect(await held()).toEqual([text]);
          // On one checked-out connection: pg-pool would replace a client whose query failed.
          const client = await pool.connect();
          try {
            await expect(client.query(text, [{ a: 10n }])).rejects.toThrow(/BigInt/);
            await client.query('BEGIN');
            expect((await client.query(text, [{ a: 2 }])).rows).toEqual([{ j: { a: 2 } }]);
            await client.query('COMMIT');
          } finally {
            client.release();
          }
          expect(names.stopped).toBe(false);
          expect(await held()).toContain(text);
        });

        it('drops each expired statement on its own, and stops when one is missing', async () => {
          const a = 'SELECT $1::int + 21 AS n';
          const b = 'SELECT $1::int + 22 AS n';
          for (let i = 0; i < REPEATS; i++) await pool.query(a, [1]);
          for (let i = 0; i < REPEATS; i++) await pool.query(b, [1]);
          // Behind the pool's back, as another client of a pooled session would.
          const [{ name }] = (
            await pool.query(`SELECT name FROM pg_prepared_statements WHERE statement = '${a}'`)
          ).rows as { name: string }[];
          await pool.query(`DEALLOCATE ${name}`);
          clock += PLAN_LIFETIME_MS + 1;
          await pool.query('SELECT 1');
          expect(await held()).toEqual([]);
          expect(names.stopped).toBe(true);
        });

        it('does not send a refused statement again behind one queued after it', async () => {
          await pool.query('CREATE TABLE retry_order (n int)');
          const insert = 'INSERT INTO retry_order (n) VALUES ($1::int + 0)';
          for (let i = 0; i < REPEATS; i++) await pool.query(insert, [0]);
          await pool.query('DELETE FROM retry_order');
          await pool.query('DEALLOCATE ALL');
          const client = await pool.connect();
          try {
            const first = client.query(insert, [1]);
            const second = client.query('INSERT INTO retry_order (n) VALUES (2)');
            expect((await failure(first)).code).toBe('26000');
            await second;
          } finally {
            client.release();
          }
          const rows = (await pool.query('SELECT n FROM retry_order')).rows;
          expect(rows).toEqual([{ n: 2 }]);
        });

        it('a client-side timeout (the server still holds the statement) leaves the next send whole', async () => {
          const timed = new Pool({
            connectionString: db.dsn,
            max: 1,
            query_timeout: 500,
            Client: preparingClient(names),
          });
          try {
            const text = 'SELECT pg_sleep($1::float8) AS slept';
            for (let i = 0; i < REPEATS; i++) await timed.query(text, [0]);
            const client = await timed.connect();
            try {
              const err = await failure(client.query(text, [0.8]));
              expect(err.code).toBeUndefined(); // pg's own timeout, not the server's
              // Let the server finish the sleep, so the next send is not timed while it waits.
              await new Promise((r) => setTimeout(r, 700));
              expect((await client.query(text, [0])).rows).toEqual([{ slept: '' }]);
            } finally {
              client.release();
            }
            expect(names.stopped).toBe(false);
          } finally {
            await timed.end();
          }
        });

        it("an error of the statement's own (0A000 from a function) keeps its name", async () => {
          await pool.query(`CREATE FUNCTION unsupported(n int) RETURNS int LANGUAGE plpgsql AS
            $$ BEGIN IF n > 0 THEN RAISE feature_not_supported; END IF; RETURN n; END $$`);
          const call = 'SELECT unsupported($1::int) AS n';
          for (let i = 0; i < REPEATS; i++) await pool.query(call, [0]);
          const err = await failure(pool.query(call, [1]));
          expect(err.code).toBe('0A000');
          expect(isRefusedPlan(err)).toBe(false);
          expect((await pool.query(call, [0])).rows).toEqual([{ n: 0 }]);
          expect(await held()).toContain(call);
        });
      });

      describe('plan lifetime', () => {
        const lifetime = PLAN_LIFETIME_MS;
        let clock = 0;
        let pool: Pool;
        beforeEach(() => {
          clock = 1_000_000;
          const names = new StatementNames(lifetime, () => clock);
          pool = new Pool({ connectionString: db.dsn, max: 1, Client: preparingClient(names) });
        });
        afterEach(() => pool.end());

        /** The names this pool's one connection holds for `text`. */
        async function namesOf(text: string): Promise<string[]> {
          const { rows } = await pool.query<{ name: string }>(
            'SELECT name FROM pg_prepared_statements WHERE statement = $1',
            [text],
          );
          return rows.map((r) => r.name);
        }
        async function send(n: number, text: string, values: unknown[]): Promise<unknown[]> {
          const rows: unknown[] = [];
          for (let i = 0; i < n; i++) rows.push(...(await pool.query(text, values)).rows);
          return rows;
        }
        /** Where the plan of the statement named `name` reads the queue table from. */
        async function planOf(name: string): Promise<string> {
          const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${name}(1)`);
          return rows.map((r) => r['QUERY PLAN']).join('\n');
        }

        it('prepares a statement again after its lifetime and drops the old one', async () => {
          const text = 'SELECT $1::int + 4 AS n';
          expect(await send(REPEATS, text, [4])).toEqual(Array(REPEATS).fill({ n: 8 }));
          const [first] = await namesOf(text);
          expect(first).toMatch(/^neraca_[0-9a-f]{24}$/);

          // Kept for three quarters of its lifetime at least.
          clock += (lifetime * 3) / 4 - 1;
          expect(await send(2, text, [5])).toEqual([{ n: 9 }, { n: 9 }]);
          expect(await namesOf(text)).toEqual([first]);

          clock += lifetime / 4 + 2;
          // The next send on the idle connection drops it; the one after prepares it anew.
          expect(await namesOf(text)).toEqual([]);
          expect(await send(2, text, [6])).toEqual([{ n: 10 }, { n: 10 }]);
          expect(await namesOf(text)).toEqual([`${first}_1`]);
        });

        it('re-plans a queue table that was empty when its plan was made', async () => {
          await pool.query('CREATE TABLE lifetime_queue (id bigserial PRIMARY KEY, lane int)');
          await pool.query('CREATE INDEX lifetime_queue_lane ON lifetime_queue (lane, id)');
          await pool.query('VACUUM ANALYZE lifetime_queue');
          const take = 'SELECT id FROM lifetime_queue WHERE lane = $1 ORDER BY id LIMIT 5';
          // Past PostgreSQL's five custom plans it keeps a generic one, made for an empty table.
          expect(await send(REPEATS + 8, take, [1])).toEqual([]);
          const [first] = await namesOf(take);
          await pool.query(
            'INSERT INTO lifetime_queue (lane) SELECT g % 20 FROM generate_series(1, 50000) g',
          );
          expect(await planOf(first)).toMatch(/Seq Scan on lifetime_queue/);

          clock += lifetime + 1;
          expect(await send(8, take, [1])).toEqual(
            Array(8)
              .fill(null)
              .flatMap(() => firstFive()),
          );
          const [again] = await namesOf(take);
          expect(again).toBe(`${first}_1`);
          const plan = await planOf(again);
          expect(plan).toMatch(/Index (Only )?Scan using lifetime_queue_lane/);
          expect(plan).not.toMatch(/Seq Scan/);
        });
        /** The first five ids of lane 1 in lifetime_queue (ids 1..50000, lane id % 20). */
        function firstFive(): { id: string }[] {
          return [1, 21, 41, 61, 81].map((id) => ({ id: String(id) }));
        }

        it('keeps a statement while a transaction is open, and drops it once idle', async () => {
          const text = 'SELECT $1::int - 1 AS n';
          await send(REPEATS, text, [3]);
          const [first] = await namesOf(text);
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            clock += lifetime + 1;
            expect((await client.query(text, [3])).rows).toEqual([{ n: 2 }]);
            const inside = await client.query<{ name: string }>(
              'SELECT name FROM pg_prepared_statements WHERE statement = $1',
              [text],
            );
            expect(inside.rows).toEqual([{ name: first }]);
            await client.query('COMMIT');
          } finally {
            client.release();
          }
          expect(await namesOf(text)).toEqual([]);
          expect(await send(1, text, [3])).toEqual([{ n: 2 }]);
          expect(await namesOf(text)).toEqual([`${first}_1`]);
        });
      });
    });
  }
});
