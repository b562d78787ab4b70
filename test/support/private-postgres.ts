import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, chownSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { createDataSource } from '@libs/persistence/data-source';
import { migrateUp } from '@libs/persistence/migrate';
import type { TestDatabase } from './database';

const run = promisify(execFile);

/** The directory of PostgreSQL's server programs (initdb, pg_ctl), if installed. */
export function postgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface PrivatePostgres {
  /** DSN of the server's `postgres` database. */
  dsn: string;
  port: number;
  /** `pg_ctl restart -m fast`: sessions are terminated (57P01), then the server starts again. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** A new database on this server, migrated as `neraca start` does (not dropped by the app). */
  createDatabase(): Promise<TestDatabase>;
  /** Stops the server and removes its data directory. */
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL cluster of the test's own (initdb in a temporary directory, a free loopback port),
 * for tests that restart or stop the server: never the machine's shared one. As root the server
 * programs run as the `postgres` user, which initdb requires.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinaries();
  if (!bin) throw new Error('PostgreSQL server programs (initdb, pg_ctl) are not installed');
  const dir = mkdtempSync('/tmp/neraca-pg-');
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, 101, 104);
  const pg = async (program: string, args: string[]) => {
    const file = join(bin, program);
    return asRoot
      ? run('runuser', ['-u', 'postgres', '--', file, ...args], { timeout: 60000 })
      : run(file, args, { timeout: 60000 });
  };
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const ctl = (action: string, extra: string[] = []) =>
    pg('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', ...extra, action]);
  const start = async () => {
    await ctl('start', ['-o', options]);
  };
  await start();
  const dsn = `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
  return {
    dsn,
    port,
    start,
    restart: async () => {
      await ctl('restart', ['-m', 'fast', '-o', options]);
    },
    stop: async () => {
      await ctl('stop', ['-m', 'fast']);
    },
    async createDatabase() {
      const name = `neraca_outage_${Math.random().toString(16).slice(2, 10)}`;
      const admin = new Client({ connectionString: dsn });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(dsn);
      url.pathname = `/${name}`;
      const ds = createDataSource({ dsn: url.toString(), poolSize: 1 });
      await ds.initialize();
      await migrateUp(ds);
      await ds.destroy();
      return { dsn: url.toString(), poolSize: 10, kind: 'postgres', drop: async () => undefined };
    },
    async destroy() {
      await ctl('stop', ['-m', 'immediate']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
