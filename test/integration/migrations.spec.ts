import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createDataSource } from '@libs/persistence/data-source';
import { migrateDown, migrateUp } from '@libs/persistence/migrate';
import { MIGRATIONS } from '../../migrations';
import { EngineColumns1732838400000 } from '../../migrations/1732838400000-engine-columns';
import { createHttpApp } from '../../src/app/http-app';
import { AuthSettings } from '../../src/modules/auth/auth-settings';
import { QueueSettings } from '../../src/modules/transaction/application/queued/queue-settings';
import { InProcessWorkQueue } from '../../src/modules/transaction/infrastructure/memory/in-process-work-queue';
import { BACKENDS, createTestDatabase, openDataSource, TestDatabase } from '../support/database';

/** Neraca's tables as of the schema migration; later migrations may add more. */
const TABLES = [
  'ledgers',
  'identity',
  'balances',
  'transactions',
  'queued_work',
  'identity_token',
  'detokenization_audit',
  'api_keys',
  'reference_claims',
  'engine_settings',
  'neraca_migrations',
];
const FUNCTIONS = [
  'transactions_immutable',
  'detokenization_audit_immutable',
  'transactions_claim_references',
];

const regclass = async (ds: DataSource, name: string): Promise<string | null> =>
  (await ds.query(`SELECT to_regclass($1)::text AS t`, [name]))[0].t;

const hasSchema = async (ds: DataSource): Promise<boolean> =>
  (await ds.query(`SELECT to_regnamespace('blnk') IS NOT NULL AS s`))[0].s;

/** Reverts migrations, newest first, while `more` holds (at most all of them). */
async function downWhile(ds: DataSource, more: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i <= MIGRATIONS.length && (await more()); i++) await migrateDown(ds);
  expect(await more()).toBeFalsy();
}

/** Tables, sequences, views and functions in one schema. */
async function objectsIn(ds: DataSource, schema: string): Promise<string[]> {
  const rows: { name: string }[] = await ds.query(
    `SELECT c.relname AS name FROM pg_class c
      WHERE c.relnamespace = to_regnamespace($1) AND c.relkind IN ('r', 'S', 'v', 'm', 'p')
     UNION ALL
     SELECT p.proname FROM pg_proc p WHERE p.pronamespace = to_regnamespace($1)
     ORDER BY 1`,
    [schema],
  );
  return rows.map((r) => r.name);
}

/** The DataSource of the release before the schema migration: no schema, no search_path. */
function previousRelease(dsn: string): DataSource {
  const upTo = MIGRATIONS.indexOf(EngineColumns1732838400000) + 1;
  return new DataSource({
    type: 'postgres',
    url: dsn,
    migrations: MIGRATIONS.slice(0, upTo),
    migrationsTableName: 'neraca_migrations',
    migrationsTransactionMode: 'each',
    logging: false,
    extra: { max: 1 },
  });
}

/** A client as a reporting tool opens it: the DSN and nothing else (default search_path). */
async function reportingTool<T>(dsn: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: dsn });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * Runs `fn` with the earlier release's DataSource. That release started PGlite with PGlite's
 * default `search_path=public`; PGlite is one session all clients share, so for PGlite the
 * session's path is set to that meanwhile (and reset to this release's afterwards).
 */
async function asPreviousRelease<T>(
  db: TestDatabase,
  fn: (old: DataSource) => Promise<T>,
): Promise<T> {
  const pglite = db.kind === 'pglite';
  if (pglite) await reportingTool(db.dsn, (c) => c.query(`SET search_path TO public`));
  const old = previousRelease(db.dsn);
  await old.initialize();
  try {
    return await fn(old);
  } finally {
    await old.destroy();
    if (pglite) await reportingTool(db.dsn, (c) => c.query(`RESET search_path`));
  }
}

describe.each(BACKENDS)('migrations on %s', (kind) => {
  describe('a new database', () => {
    let db: TestDatabase;
    let ds: DataSource;
    beforeAll(async () => {
      db = await createTestDatabase(kind);
      ds = await openDataSource(db);
    });
    afterAll(async () => {
      await ds.destroy();
      await db.drop();
    });

    it('seeds the general ledger', async () => {
      const rows = await ds.query(`SELECT ledger_id, name FROM ledgers`);
      expect(rows).toEqual([{ ledger_id: 'general_ledger_id', name: 'General Ledger' }]);
    });

    it('keeps every table, sequence and function in schema blnk and none in public', async () => {
      expect(await objectsIn(ds, 'blnk')).toEqual(
        expect.arrayContaining([...TABLES, ...FUNCTIONS, 'ledgers_id_seq', 'transactions_id_seq']),
      );
      expect(await objectsIn(ds, 'public')).toEqual([]);
      const [{ path }] = await ds.query(`SELECT current_setting('search_path') AS path`);
      expect(path).toBe('blnk,public');
      const [seq] = await ds.query(`SELECT pg_get_serial_sequence('blnk.ledgers', 'id') AS s`);
      expect(seq.s).toBe('blnk.ledgers_id_seq');
    });

    it('lets a reporting tool read blnk.transactions and blnk.balances after a transfer', async () => {
      const workQueue = new InProcessWorkQueue();
      const app: NestFastifyApplication = await createHttpApp({
        dataSource: ds,
        auth: new AuthSettings(false, ''),
        lanes: { inProcess: workQueue },
        queueSettings: new QueueSettings(8, 500, 100000, 500),
        bodyLimitMb: 1,
        logLevels: false,
      });
      try {
        await app.init();
        await app.getHttpAdapter().getInstance().ready();
        const res = await app.inject({
          method: 'POST',
          url: '/transactions',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({
            source: '@World',
            destination: '@Report',
            amount: 12.34,
            precision: 100,
            currency: 'USD',
            reference: 'report-1',
            description: 'for the report',
            allow_overdraft: true,
            skip_queue: true,
          }),
        });
        expect([res.statusCode, res.json()]).toMatchObject([201, { status: 'APPLIED' }]);
      } finally {
        await app.close();
        await workQueue.close();
      }

      const rows = await reportingTool(db.dsn, async (c) => {
        if (kind === 'postgres') {
          // A session on defaults really does not see the tables without the schema name.
          expect((await c.query(`SHOW search_path`)).rows[0].search_path).toBe('"$user", public');
          await expect(c.query(`SELECT 1 FROM transactions`)).rejects.toThrow(/does not exist/);
        }
        return (
          await c.query(
            `SELECT t.reference, t.description, t.precise_amount::text AS amount, t.status, d.indicator,
                    d.balance::text AS balance, l.name AS ledger
               FROM blnk.transactions t
               JOIN blnk.balances d ON d.balance_id = t.destination
               JOIN blnk.ledgers l ON l.ledger_id = d.ledger_id
              WHERE t.reference = 'report-1'`,
          )
        ).rows;
      });
      expect(rows).toEqual([
        {
          reference: 'report-1',
          description: 'for the report',
          amount: '1234',
          status: 'APPLIED',
          indicator: '@Report',
          balance: '1234',
          ledger: 'General Ledger',
        },
      ]);
    });

    it('claims references from a session that does not have blnk on its path', async () => {
      await reportingTool(db.dsn, async (c) => {
        await c.query(
          `INSERT INTO blnk.balances (balance_id, ledger_id, currency)
           VALUES ('bln_t1', 'general_ledger_id', 'USD'), ('bln_t2', 'general_ledger_id', 'USD')`,
        );
        await c.query(
          `INSERT INTO blnk.transactions (transaction_id, source, destination, reference, amount,
             precise_amount, currency, status, hash)
           VALUES ('txn_tool', 'bln_t1', 'bln_t2', 'tool-1', 1, 100, 'USD', 'QUEUED', 'h')`,
        );
        const claims = await c.query(
          `SELECT reference FROM blnk.reference_claims WHERE reference LIKE 'tool-1%' ORDER BY 1`,
        );
        expect(claims.rows.map((r) => r.reference)).toEqual(['tool-1', 'tool-1_q']);
        await expect(
          c.query(
            `UPDATE blnk.transactions SET status = 'APPLIED' WHERE transaction_id = 'txn_tool'`,
          ),
        ).rejects.toThrow(/Cannot modify transaction data/);
      });
    });

    it('goes all the way down and up again cleanly', async () => {
      // Down to the layout of the release before the schema: everything back in public.
      await downWhile(ds, () => hasSchema(ds));
      expect(await regclass(ds, 'public.transactions')).toBe('transactions');
      expect(await regclass(ds, 'public.neraca_migrations')).toBe('neraca_migrations');
      expect(await objectsIn(ds, 'public')).toEqual(
        expect.arrayContaining([...TABLES, ...FUNCTIONS]),
      );
      // Then through every earlier migration to the queued-work one, and the first.
      await downWhile(ds, () => regclass(ds, 'queued_work'));
      expect(await regclass(ds, 'transactions')).toBe('transactions');
      await migrateDown(ds);
      expect(await regclass(ds, 'transactions')).toBeNull();
      expect(await hasSchema(ds)).toBe(false);

      await migrateUp(ds);
      expect(await objectsIn(ds, 'blnk')).toEqual(
        expect.arrayContaining([...TABLES, ...FUNCTIONS]),
      );
      expect(await objectsIn(ds, 'public')).toEqual([]);
      expect(await regclass(ds, 'transactions')).toBe('transactions');
      expect(await regclass(ds, 'blnk.transactions')).toBe('transactions');
    });

    it('refuses to rewrite or delete a transaction row', async () => {
      await ds.query(
        `INSERT INTO balances (balance_id, ledger_id, currency) VALUES ('bln_a','general_ledger_id','USD'),('bln_b','general_ledger_id','USD')`,
      );
      await ds.query(
        `INSERT INTO transactions (transaction_id, source, destination, reference, amount, precise_amount, currency, status, hash)
         VALUES ('txn_1','bln_a','bln_b','r1',1,100,'USD','APPLIED','h')`,
      );
      await expect(
        ds.query(`UPDATE transactions SET precise_amount = 5 WHERE transaction_id='txn_1'`),
      ).rejects.toThrow(/Cannot modify transaction data/);
      await expect(
        ds.query(`DELETE FROM transactions WHERE transaction_id='txn_1'`),
      ).rejects.toThrow(/append-only/);
      await ds.query(`UPDATE transactions SET meta_data = '{"k":1}' WHERE transaction_id='txn_1'`);
      const [row] = await ds.query(
        `SELECT meta_data FROM transactions WHERE transaction_id='txn_1'`,
      );
      expect(row.meta_data).toEqual({ k: 1 });
    });
  });

  describe('a database of the release before the schema', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase(kind, { migrate: false });
      await asPreviousRelease(db, async (old) => {
        await old.runMigrations({ transaction: 'each' });
        await old.query(
          `INSERT INTO ledgers (ledger_id, name) VALUES ('ldg_old', 'Old ledger');
           INSERT INTO balances (balance_id, ledger_id, currency)
             VALUES ('bln_old_a', 'ldg_old', 'USD'), ('bln_old_b', 'ldg_old', 'USD');
           INSERT INTO transactions (transaction_id, source, destination, reference, amount,
             precise_amount, currency, status, hash)
             VALUES ('txn_old', 'bln_old_a', 'bln_old_b', 'old-1', 1, 100, 'USD', 'APPLIED', 'h')`,
        );
      });
    });
    afterAll(() => db.drop());

    it('migrates up with its rows in blnk.*, and down to what that release reads', async () => {
      const ds = createDataSource({ dsn: db.dsn, poolSize: 1, exclusive: db.kind === 'pglite' });
      await ds.initialize();
      try {
        expect(await hasSchema(ds)).toBe(false);
        const applied = await migrateUp(ds);
        expect(applied[0]).toBe('BlnkSchema1732924800000');
        expect(await objectsIn(ds, 'public')).toEqual([]);
        expect(await ds.query(`SELECT ledger_id, name FROM blnk.ledgers ORDER BY id`)).toEqual([
          { ledger_id: 'general_ledger_id', name: 'General Ledger' },
          { ledger_id: 'ldg_old', name: 'Old ledger' },
        ]);
        expect(
          await ds.query(
            `SELECT balance_id FROM blnk.balances WHERE ledger_id = 'ldg_old' ORDER BY 1`,
          ),
        ).toEqual([{ balance_id: 'bln_old_a' }, { balance_id: 'bln_old_b' }]);
        expect(await ds.query(`SELECT transaction_id, reference FROM blnk.transactions`)).toEqual([
          { transaction_id: 'txn_old', reference: 'old-1' },
        ]);
        const names = await ds.query(`SELECT name FROM blnk.neraca_migrations ORDER BY id`);
        expect(names.map((r: { name: string }) => r.name)).toEqual(
          MIGRATIONS.map((m) => new m().name).slice(0, names.length),
        );
        // The moved sequence and the moved claims still hold.
        const [ledger] = await ds.query(
          `INSERT INTO ledgers (ledger_id, name) VALUES ('ldg_new', 'New') RETURNING id`,
        );
        expect(Number(ledger.id)).toBe(3);
        const insert = (id: string, reference: string, status: string) =>
          ds.query(
            `INSERT INTO transactions (transaction_id, source, destination, reference, amount,
               precise_amount, currency, status, hash)
             VALUES ($1, 'bln_old_a', 'bln_old_b', $2, 1, 100, 'USD', $3, 'h')`,
            [id, reference, status],
          );
        await insert('txn_new', 'new-1', 'QUEUED');
        expect(
          await ds.query(
            `SELECT reference FROM blnk.reference_claims WHERE reference LIKE '%-1%' ORDER BY 1`,
          ),
        ).toEqual([{ reference: 'new-1' }, { reference: 'new-1_q' }, { reference: 'old-1' }]);
        await expect(insert('txn_race', 'new-1_q', 'APPLIED')).rejects.toThrow(
          /reference_claims_pkey/,
        );

        // A reporting view an operator made in blnk follows the tables by OID, both ways.
        await ds.query(
          `CREATE VIEW blnk.statement AS SELECT transaction_id, precise_amount FROM blnk.transactions`,
        );
        const statement = () =>
          ds.query(`SELECT transaction_id FROM blnk.statement ORDER BY transaction_id`);
        const rows = [{ transaction_id: 'txn_new' }, { transaction_id: 'txn_old' }];

        // Undo everything later than the schema migration, then the schema migration itself.
        await downWhile(ds, () => regclass(ds, 'blnk.transactions'));
        expect(await regclass(ds, 'public.neraca_migrations')).toBe('neraca_migrations');
        expect(await regclass(ds, 'public.transactions')).toBe('transactions');
        expect(await objectsIn(ds, 'blnk')).toEqual(['statement']); // so the schema stays
        expect(await statement()).toEqual(rows);

        // That release finds its migration table, nothing pending, and its rows where it left them.
        await asPreviousRelease(db, async (old) => {
          expect(await old.showMigrations()).toBe(false);
          expect(await old.query(`SELECT transaction_id FROM transactions ORDER BY id`)).toEqual([
            { transaction_id: 'txn_old' },
            { transaction_id: 'txn_new' },
          ]);
        });

        expect(await migrateUp(ds)).toContain('BlnkSchema1732924800000');
        expect(await regclass(ds, 'blnk.transactions')).toBe('transactions');
        expect(await objectsIn(ds, 'public')).toEqual([]);
        expect(await ds.query(`SELECT count(*)::int AS n FROM blnk.ledgers`)).toEqual([{ n: 3 }]);
        expect(await statement()).toEqual(rows);
      } finally {
        await ds.destroy();
      }
    });
  });
});

// Processes of a PostgreSQL deployment started together, each with a one-connection pool
// (data_source.max_open_conns = 1): they take turns under the migration lock instead of racing
// the same DDL, and the lock does not take the pool's only connection from the migrations.
if (BACKENDS.includes('postgres')) {
  describe('concurrent migrations on postgres', () => {
    it('two one-connection processes migrating one new database both succeed, one applying everything', async () => {
      const db = await createTestDatabase('postgres', { migrate: false });
      const sources = [0, 1].map(() => createDataSource({ dsn: db.dsn, poolSize: 1 }));
      try {
        await Promise.all(sources.map((s) => s.initialize()));
        const applied = await Promise.all(sources.map((s) => migrateUp(s)));
        expect(applied.map((a) => a.length).sort((x, y) => x - y)).toEqual([0, MIGRATIONS.length]);
      } finally {
        await Promise.all(sources.map((s) => s.destroy()));
        await db.drop();
      }
    });
  });
}
