import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@libs/persistence/data-source';
import { startEmbeddedPostgres } from '@libs/persistence/embedded-postgres';
import { migrateUp } from '@libs/persistence/migrate';
import { createTestDatabase, openDataSource } from '../support/database';
import { schemaDigest } from '../support/fingerprint';

const BIN = join(__dirname, '../../bin/neraca.js');

function cli(args: string[], env: Record<string, string | undefined>) {
  const e: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
  return spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: e,
    timeout: 120_000,
  });
}

/** The same without blocking this process (which serves the loopback S3 the command calls). */
function cliAsync(args: string[], env: Record<string, string | undefined>) {
  const e: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
  const child = spawn(process.execPath, [BIN, ...args], { env: e });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((done) =>
    child.on('close', (status) => done({ status, stdout, stderr })),
  );
}

/** A few rows in the tables money lives in, a big integer among them. */
async function seed(ds: DataSource): Promise<void> {
  await ds.query(`INSERT INTO ledgers (ledger_id, name) VALUES ('ldg_cli', 'cli')`);
  await ds.query(
    `INSERT INTO identity (identity_id, first_name) VALUES ('idt_cli', 'O''Brien; "quoted"')`,
  );
  await ds.query(
    `INSERT INTO balances (balance_id, ledger_id, identity_id, currency, meta_data)
     VALUES ('bln_cli', 'ldg_cli', 'idt_cli', 'USD', '{"note": "line\\nbreak"}')`,
  );
  await ds.query(
    `INSERT INTO accounts (account_id, name, number, bank_name, currency, ledger_id, identity_id, balance_id)
     VALUES ('acc_cli', 'n', '123456789012', 'b', 'USD', 'ldg_cli', 'idt_cli', 'bln_cli')`,
  );
}

async function embedded(dir: string) {
  const pg = await startEmbeddedPostgres(join(dir, 'pgdata'));
  const ds = createDataSource({ dsn: pg.dsn, poolSize: 1, exclusive: true });
  await ds.initialize();
  return {
    ds,
    async close() {
      await ds.destroy();
      await pg.stop();
    },
  };
}

const NO_SERVER = { BLNK_DATA_SOURCE_DNS: undefined, BLNK_REDIS_DNS: undefined };

/** `neraca backup` and `neraca restore`, the compiled command, on both backends. */
describe('neraca backup / restore', () => {
  let out: string;
  let s3: S3rver;
  let s3Env: Record<string, string>;
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'neraca-cli-backup-'));
    s3 = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: mkdtempSync(join(tmpdir(), 'neraca-cli-s3-')),
      configureBuckets: [{ name: 'cli-backups', configs: [] }],
    });
    const { port } = await s3.run();
    s3Env = {
      BLNK_S3_ENDPOINT: `http://127.0.0.1:${port}`,
      BLNK_S3_BUCKET_NAME: 'cli-backups',
      BLNK_S3_REGION: 'us-east-1',
      BLNK_AWS_ACCESS_KEY_ID: 'S3RVER',
      BLNK_AWS_SECRET_ACCESS_KEY: 'S3RVER',
    };
  });
  afterAll(async () => {
    await s3.close();
    rmSync(out, { recursive: true, force: true });
  });

  const written = (stdout: string) => /backup written: (\S+)/.exec(stdout)?.[1] as string;

  it('embedded: backup a data directory, restore it into a new one, same rows; a second restore is refused', async () => {
    const from = mkdtempSync(join(tmpdir(), 'neraca-cli-from-'));
    const to = mkdtempSync(join(tmpdir(), 'neraca-cli-to-'));
    try {
      const a = await embedded(from);
      await migrateUp(a.ds);
      await seed(a.ds);
      const want = await schemaDigest(a.ds);
      await a.close();

      const b = cli(['backup', '-d', from, '--out', out], NO_SERVER);
      expect([b.status, b.stderr]).toEqual([0, expect.stringMatching(/dump +\[.*\] 100%/)]);
      const file = written(b.stdout);
      expect(file.startsWith(out)).toBe(true);

      const r = cli(['restore', file, '-d', to], NO_SERVER);
      expect([r.status, r.stdout]).toEqual([0, `restored ${file}\n`]);
      const c = await embedded(to);
      try {
        expect(await schemaDigest(c.ds)).toEqual(want);
        expect(await migrateUp(c.ds)).toEqual([]);
      } finally {
        await c.close();
      }

      const again = cli(['restore', file, '-d', to], NO_SERVER);
      expect(again.status).not.toBe(0);
      expect(again.stderr).toMatch(/not empty/);
      const missing = cli(['restore', join(out, 'nope.sql'), '-d', to], NO_SERVER);
      expect([missing.status === 0, missing.stderr]).toEqual([
        false,
        expect.stringMatching(/no such file/),
      ]);
    } finally {
      rmSync(from, { recursive: true, force: true });
      rmSync(to, { recursive: true, force: true });
    }
  });

  it('--s3 uploads the file it wrote', async () => {
    const from = mkdtempSync(join(tmpdir(), 'neraca-cli-s3from-'));
    try {
      const a = await embedded(from);
      await migrateUp(a.ds);
      await a.close();
      const b = await cliAsync(['backup', '--s3', '-d', from, '--out', out], {
        ...NO_SERVER,
        ...s3Env,
      });
      expect([b.status, b.stderr]).toEqual([0, expect.stringMatching(/upload +\[.*\] 100%/)]);
      const key = /uploaded: s3:\/\/cli-backups\/(\S+)/.exec(b.stdout)?.[1] as string;
      expect(key).toMatch(/^\d{4}-\d\d-\d\d\/neraca-\d{6}(-\d+)?\.sql$/);
      const client = new S3Client({
        region: 'us-east-1',
        endpoint: s3Env.BLNK_S3_ENDPOINT,
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      const obj = await client.send(new GetObjectCommand({ Bucket: 'cli-backups', Key: key }));
      expect(await obj.Body!.transformToString()).toBe(readFileSync(written(b.stdout), 'utf8'));
      client.destroy();
    } finally {
      rmSync(from, { recursive: true, force: true });
    }
  });

  // With a PostgreSQL server configured (the CI's PostgreSQL pass).
  if (!process.env.BLNK_DATA_SOURCE_DNS) return;
  it('PostgreSQL: pg_dump backup restored by psql into a new database has the same rows', async () => {
    const source = await createTestDatabase('postgres');
    const target = await createTestDatabase('postgres', { migrate: false });
    const ds = await openDataSource(source);
    let restored: DataSource | undefined;
    try {
      await seed(ds);
      const want = await schemaDigest(ds);
      const b = cli(['backup', '--out', out], {
        BLNK_DATA_SOURCE_DNS: source.dsn,
        BLNK_REDIS_DNS: undefined,
      });
      expect([b.status, b.stderr]).toEqual([0, expect.stringMatching(/dump +\[.*\] 100%/)]);
      const file = written(b.stdout);
      expect(file).toMatch(new RegExp(`neraca_test_[0-9a-f]+-\\d{6}(-\\d+)?\\.sql$`));
      const r = cli(['restore', file], {
        BLNK_DATA_SOURCE_DNS: target.dsn,
        BLNK_REDIS_DNS: undefined,
      });
      expect([r.status, r.stderr]).toEqual([0, expect.stringMatching(/restore +\[.*\] 100%/)]);
      restored = await openDataSource(target);
      expect(await schemaDigest(restored)).toEqual(want);
    } finally {
      await restored?.destroy();
      await ds.destroy();
      await source.drop();
      await target.drop();
    }
  });
});
