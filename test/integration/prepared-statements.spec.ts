import type { DataSource, QueryRunner } from 'typeorm';
import { createDataSource } from '@libs/persistence/data-source';
import { PER_CONNECTION, REPEATS } from '@libs/persistence/prepared-statements';
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

      it('is off unless asked for', async () => {
        const { runner } = await open({ preparedStatements: undefined });
        await sendTimes(runner, REPEATS * 2, 'SELECT $1::int AS n', [5]);
        expect(await prepared(runner)).toEqual([]);
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
    });
  }
});
