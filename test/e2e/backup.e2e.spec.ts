import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { DataSource } from 'typeorm';
import { SystemClock } from '@libs/core/clock';
import { DomainError } from '@libs/core/domain-error';
import { migrateUp } from '@libs/persistence/migrate';
import { BackupSettings, S3Settings } from '../../src/modules/backup/application/backup-settings';
import { BackupUseCases } from '../../src/modules/backup/application/backup.use-cases';
import { dumperFor } from '../../src/modules/backup/backup.module';
import { PgDumpDumper } from '../../src/modules/backup/infrastructure/postgres/pg-dump.dumper';
import { S3BackupStore } from '../../src/modules/backup/infrastructure/s3/s3.backup-store';
import { createScopedKey, startTestApp, TestApp } from '../support/app';
import { createTestDatabase, openDataSource, TestDatabase } from '../support/database';
import { schemaDigest } from '../support/fingerprint';

/** Every .sql file under `dir`, relative paths. */
function backupsIn(dir: string): string[] {
  const out: string[] = [];
  for (const day of readdirSync(dir, { withFileTypes: true })) {
    if (!day.isDirectory()) continue;
    for (const f of readdirSync(join(dir, day.name))) out.push(`${day.name}/${f}`);
  }
  return out.sort();
}

const code = (r: { json: any }) => r.json?.error_detail?.code;

/**
 * Backups (reference §2.13) on the database the environment names (PostgreSQL through pg_dump,
 * else embedded PGlite through its own pg_dump); scripts/test.sh runs this file on both.
 */
describe('backups: GET /backup, /backup-s3, restore', () => {
  let t: TestApp;
  let dir: string;
  let s3: S3rver;
  let s3Url: string;
  const restored: { db: TestDatabase; ds: DataSource }[] = [];

  beforeAll(async () => {
    s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: mkdtempSync(join(tmpdir(), 'neraca-s3-')),
      configureBuckets: [{ name: 'neraca-backups', configs: [] }],
    });
    const addr = await s3.run();
    s3Url = `http://127.0.0.1:${addr.port}`;
    dir = mkdtempSync(join(tmpdir(), 'neraca-backup-'));
    // No background work: the hash-chain sealer and the relay would change rows between the
    // backup and the comparison with its restore.
    t = await startTestApp({
      workers: false,
      backups: new BackupSettings(
        dir,
        new S3Settings('neraca-backups', 'us-east-1', s3Url, 'S3RVER', 'S3RVER'),
      ),
    });
    // Something in most tables: ledgers, identities, balances, transactions, accounts, keys, hooks.
    const ledger = (await t.http('POST', '/ledgers', { name: 'backed up' })).json.ledger_id;
    const idt = (await t.http('POST', '/identities', { first_name: 'Ada', last_name: 'L' })).json
      .identity_id;
    const bal = (
      await t.http('POST', '/balances', { ledger_id: ledger, currency: 'USD', identity_id: idt })
    ).json.balance_id;
    for (let i = 0; i < 5; i++) {
      const r = await t.http('POST', '/transactions', {
        precise_amount: String(10n ** 20n + BigInt(i)),
        precision: 100,
        currency: 'USD',
        reference: `backup-${i}`,
        source: '@World',
        destination: bal,
        allow_overdraft: true,
        skip_queue: true,
        description: 'seed',
        meta_data: { note: `it's row ${i}; with "quotes"\nand a newline` },
      });
      expect(r.status).toBe(201);
    }
    expect((await t.http('POST', '/accounts', { balance_id: bal })).status).toBe(201);
    await createScopedKey(t, ['ledgers:read']);
  });
  afterAll(async () => {
    for (const r of restored) {
      await r.ds.destroy();
      await r.db.drop();
    }
    await t.close();
    await s3.close();
  });

  /** A new, empty database of the same kind and a BackupUseCases over it. */
  async function freshTarget(): Promise<{ ds: DataSource; backups: BackupUseCases }> {
    const db = await createTestDatabase(t.db.kind, { migrate: false });
    const ds = await openDataSource(db);
    restored.push({ db, ds });
    const backups = new BackupUseCases(
      dumperFor(ds, db.pglite),
      new S3BackupStore(new S3Settings()),
      new BackupSettings(dir),
      new SystemClock(),
    );
    return { ds, backups };
  }

  it('GET /backup writes <date>/<db>-<HHMMSS>.sql (mode 0600) and answers the JSON string', async () => {
    const before = backupsIn(dir);
    const r = await t.http('GET', '/backup');
    expect(r.status).toBe(200);
    expect(r.json).toBe('backup successful');
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    const added = backupsIn(dir).filter((f) => !before.includes(f));
    expect(added).toEqual([expect.stringMatching(/^\d{4}-\d\d-\d\d\/[\w.-]+-\d{6}\.sql$/)]);
    const file = join(dir, added[0]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('CREATE TABLE blnk.accounts');
  });

  it('the server writes as before once a backup is done (embedded: the dump shares its session)', async () => {
    expect((await t.http('GET', '/backup')).status).toBe(200);
    const r = await t.http('POST', '/ledgers', { name: 'after the backup' });
    expect(r.status).toBe(201);
    const [row] = await t.ds.query(`SELECT current_setting('transaction_read_only') AS ro`);
    expect(row.ro).toBe('off');
  });

  it('a backup restored into a new database has the same rows in every table, and migrations are up to date', async () => {
    const before = backupsIn(dir);
    expect((await t.http('GET', '/backup')).status).toBe(200);
    const [file] = backupsIn(dir).filter((f) => !before.includes(f));
    const { ds, backups } = await freshTarget();
    const seen: number[] = [];
    await backups.restore(join(dir, file), (done) => seen.push(done));
    expect(seen.length).toBeGreaterThan(0);
    const want = await schemaDigest(t.ds);
    expect(Object.keys(want).length).toBeGreaterThan(20);
    expect(want.transactions).toMatch(/^[1-9]\d*\//);
    expect(await schemaDigest(ds)).toEqual(want);
    // Big integers survived exactly.
    const [row] = await ds.query(
      `SELECT precise_amount::text AS p FROM blnk.transactions WHERE reference = 'backup-4'`,
    );
    expect(row.p).toBe(String(10n ** 20n + 4n));
    expect(await migrateUp(ds)).toEqual([]);

    // A restore never lands on a database that holds a ledger already.
    await expect(backups.restore(join(dir, file))).rejects.toMatchObject({ code: 'GEN_CONFLICT' });
  });

  it('writes racing a backup all succeed, and the backup holds a moment between them', async () => {
    const before = backupsIn(dir);
    const count = async () => Number((await t.ds.query(`SELECT count(*) AS n FROM ledgers`))[0].n);
    const start = await count();
    const writes = Array.from({ length: 20 }, (_, i) =>
      t.http('POST', '/ledgers', { name: `during-${i}` }),
    );
    const [backup, ...answers] = await Promise.all([t.http('GET', '/backup'), ...writes]);
    expect(backup.status).toBe(200);
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 201));
    const [file] = backupsIn(dir).filter((f) => !before.includes(f));
    const { ds, backups } = await freshTarget();
    await backups.restore(join(dir, file));
    const [row] = await ds.query(`SELECT count(*) AS n FROM blnk.ledgers`);
    expect(Number(row.n)).toBeGreaterThanOrEqual(start);
    expect(Number(row.n)).toBeLessThanOrEqual(start + 20);
    // One moment: every balance the backup holds still equals the sum of its rows' effects.
    const [sums] = await ds.query(
      `SELECT coalesce(sum(balance), 0)::text AS total FROM blnk.balances WHERE currency = 'USD'`,
    );
    expect(sums.total).toBe('0');
  });

  it('a truncated dump restores nothing: the new database stays empty and can take the whole one', async () => {
    const before = backupsIn(dir);
    expect((await t.http('GET', '/backup')).status).toBe(200);
    const [file] = backupsIn(dir).filter((f) => !before.includes(f));
    const text = readFileSync(join(dir, file), 'utf8');
    const cut = join(dir, 'truncated.sql');
    // Cut after the data of the first tables, before the constraints and triggers.
    writeFileSync(cut, text.slice(0, Math.floor(text.length * 0.6)) + '\nINSERT INTO broken');
    const { ds, backups } = await freshTarget();
    await expect(backups.restore(cut)).rejects.toMatchObject({ code: 'ADMIN_BACKUP_FAILED' });
    const [row] = await ds.query(
      `SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'blnk'`,
    );
    expect(row.n).toBe(0);
    await backups.restore(join(dir, file));
    const [after] = await ds.query(`SELECT count(*)::int AS n FROM blnk.ledgers`);
    expect(after.n).toBeGreaterThan(0);
  });

  it('an unwritable backup_dir is 500 ADMIN_BACKUP_FAILED with the reason, never a bare 500', async () => {
    const notADir = join(dir, 'not-a-directory');
    writeFileSync(notADir, 'a file where the backup directory should be');
    const backups = new BackupUseCases(
      dumperFor(t.ds, t.db.pglite),
      new S3BackupStore(new S3Settings()),
      new BackupSettings(join(notADir, 'backups')),
      new SystemClock(),
    );
    const err = await backups.toDisk().catch((e: DomainError) => e);
    expect(err).toMatchObject({ code: 'ADMIN_BACKUP_FAILED' });
    expect(JSON.stringify((err as DomainError).details)).toMatch(/not-a-directory/);
  });

  it('backups of the same second get their own files', async () => {
    const before = backupsIn(dir);
    const answers = await Promise.all([1, 2, 3].map(() => t.http('GET', '/backup')));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    const added = backupsIn(dir).filter((f) => !before.includes(f));
    expect(added).toHaveLength(3);
    for (const f of added) expect(readFileSync(join(dir, f), 'utf8')).toMatch(/dump complete/);
  });

  it('GET /backup-s3 streams the backup to an S3-compatible store under its <date>/ path', async () => {
    const before = backupsIn(dir);
    const r = await t.http('GET', '/backup-s3');
    expect([r.status, r.json]).toEqual([200, 'backup successful']);
    const [file] = backupsIn(dir).filter((f) => !before.includes(f));
    const client = new S3Client({
      region: 'us-east-1',
      endpoint: s3Url,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const obj = await client.send(new GetObjectCommand({ Bucket: 'neraca-backups', Key: file }));
    expect(await obj.Body!.transformToString()).toBe(readFileSync(join(dir, file), 'utf8'));
    client.destroy();
  });

  it('an upload that fails is 500 ADMIN_BACKUP_FAILED with the error object of Blnk', async () => {
    const store = new S3BackupStore(
      new S3Settings('no-such-bucket', 'us-east-1', s3Url, 'S3RVER', 'S3RVER'),
    );
    const f = join(dir, 'upload-me.sql');
    writeFileSync(f, 'SELECT 1;');
    await expect(store.upload(f, 'k')).rejects.toMatchObject({ code: 'ADMIN_BACKUP_FAILED' });

    // A server of its own (two servers over one embedded PGlite would share its one session).
    const other = await startTestApp({
      workers: false,
      backups: new BackupSettings(dir),
    });
    try {
      const r = await other.http('GET', '/backup-s3');
      expect(r.status).toBe(500);
      expect(r.json).toEqual({
        error: {
          code: 'INTERNAL_SERVER_ERROR',
          message: 'error creating backup',
          details: { reason: 's3_bucket_name is not configured' },
        },
        error_detail: {
          code: 'ADMIN_BACKUP_FAILED',
          message: 'error creating backup',
          details: { reason: 's3_bucket_name is not configured' },
        },
      });
    } finally {
      await other.close();
    }
  });

  it('master key only: a key with backup scopes is 403 on both routes, and nothing is written', async () => {
    const k = await createScopedKey(t, ['backup:read', 'backup:write', '*:*']);
    const before = backupsIn(dir);
    for (const path of ['/backup', '/backup-s3']) {
      const r = await t.http('GET', path, undefined, { 'x-blnk-key': k.key });
      expect([r.status, code(r)]).toEqual([403, 'AUTH_MASTER_KEY_REQUIRED']);
      const none = await t.http('GET', path, undefined, { 'x-blnk-key': '' });
      expect(none.status).toBe(401);
    }
    expect(backupsIn(dir)).toEqual(before);
  });

  // pg_dump runs only against PostgreSQL (the PGlite run has no server to version-check).
  const pgOnly = t0() === 'postgres' ? describe : undefined;
  pgOnly?.('pg_dump on PostgreSQL', () => {
    const fake = (body: string) => {
      const p = join(mkdtempSync(join(tmpdir(), 'neraca-fake-')), 'pg_dump');
      writeFileSync(p, `#!/bin/sh\n${body}\n`);
      chmodSync(p, 0o755);
      return p;
    };

    it('refuses a pg_dump of another major version, naming both', async () => {
      const old = fake(
        `[ "$1" = --version ] && echo 'pg_dump (PostgreSQL) 9.6.1' && exit 0\nexit 0`,
      );
      const dumper = new PgDumpDumper(t.ds, { pgDump: old, psql: 'psql' });
      const err = await dumper.dumpTo(join(dir, 'never.sql')).catch((e: DomainError) => e);
      expect(err).toMatchObject({ code: 'ADMIN_BACKUP_FAILED' });
      expect(JSON.stringify((err as DomainError).details)).toMatch(
        /pg_dump 9 does not match the PostgreSQL \d+ server/,
      );
    });

    it('a dump that fails half-way leaves no file under a backup name (nor a partial one)', async () => {
      const real = `pg_dump (PostgreSQL) ${(await t.ds.query(`SELECT current_setting('server_version_num')::int / 10000 AS v`))[0].v}.0`;
      const broken = fake(
        `[ "$1" = --version ] && echo '${real}' && exit 0\necho 'CREATE TABLE half'\necho 'pg_dump: error: connection lost' >&2\nexit 1`,
      );
      const own = mkdtempSync(join(tmpdir(), 'neraca-half-'));
      const backups = new BackupUseCases(
        new PgDumpDumper(t.ds, { pgDump: broken, psql: 'psql' }),
        new S3BackupStore(new S3Settings()),
        new BackupSettings(own),
        new SystemClock(),
      );
      const err = await backups.toDisk().catch((e: DomainError) => e);
      expect(err).toMatchObject({ code: 'ADMIN_BACKUP_FAILED' });
      expect(JSON.stringify((err as DomainError).details)).toMatch(/connection lost/);
      const day = readdirSync(own);
      expect(day.flatMap((d) => readdirSync(join(own, d)))).toEqual([]);
    });
  });
});

/** The backend this run uses (the suites choose it from the environment). */
function t0(): 'postgres' | 'pglite' {
  return process.env.BLNK_DATA_SOURCE_DNS ? 'postgres' : 'pglite';
}
