import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DataSource } from 'typeorm';
import { clientMajor, serverMajor, versionMismatch } from '../../domain/backup';
import { backupFailed } from '../../domain/backup.errors';
import { ByteProgress, DatabaseDumper } from '../../application/ports/database-dumper';

/** Most of a failing tool's stderr that goes into the error (the end says what failed). */
const STDERR_TAIL = 2000;

/**
 * PostgreSQL: `pg_dump` (plain SQL) and `psql` on the server's DSN. The connection goes to the
 * tools through PG* environment variables, never the command line, where `ps` would show the
 * password.
 */
export class PgDumpDumper extends DatabaseDumper {
  constructor(
    private readonly db: DataSource,
    private readonly tools = { pgDump: 'pg_dump', psql: 'psql' },
  ) {
    super();
  }

  async databaseName(): Promise<string> {
    const [row] = (await this.db.query('SELECT current_database() AS name')) as { name: string }[];
    return row.name;
  }

  async dumpTo(file: string, onProgress?: ByteProgress): Promise<void> {
    await this.checkVersion();
    const total = await this.estimate();
    const out = createWriteStream(file, { mode: 0o600, flags: 'wx' });
    const child = spawn(this.tools.pgDump, ['--no-password', '--format=plain'], {
      env: this.env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exit = this.exitOf(child, 'pg_dump');
    await pipeline(child.stdout, counter(total, onProgress), out);
    await exit;
    // The total was the database's size on disk, an estimate: the dump's size is the real one.
    const { size } = await stat(file);
    onProgress?.(size, size);
  }

  async isEmpty(): Promise<boolean> {
    const [row] = (await this.db.query(
      `SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'blnk'`,
    )) as { n: number }[];
    return row.n === 0;
  }

  async restoreFrom(file: string, onProgress?: ByteProgress): Promise<void> {
    const { size } = await stat(file);
    const child = spawn(
      this.tools.psql,
      ['-X', '-q', '--no-password', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '-f', '-'],
      { env: this.env(), stdio: ['pipe', 'ignore', 'pipe'] },
    );
    const exit = this.exitOf(child, 'psql');
    await Promise.all([
      pipeline(createReadStream(file), counter(size, onProgress), child.stdin),
      exit,
    ]);
  }

  private async checkVersion(): Promise<void> {
    const [row] = (await this.db.query(
      `SELECT current_setting('server_version_num')::int AS v`,
    )) as {
      v: number;
    }[];
    const line = await new Promise<string>((done) => {
      const child = spawn(this.tools.pgDump, ['--version'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text += c.toString()));
      child.on('error', () => done(''));
      child.on('close', () => done(text));
    });
    const problem = versionMismatch(clientMajor(line), serverMajor(row.v));
    if (problem) throw backupFailed(problem);
  }

  private async estimate(): Promise<number> {
    const [row] = (await this.db.query(
      `SELECT pg_database_size(current_database())::text AS size`,
    )) as { size: string }[];
    return Number(row.size);
  }

  private env(): NodeJS.ProcessEnv {
    const url = new URL((this.db.options as { url?: string }).url ?? '');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PGHOST: url.hostname,
      PGPORT: url.port || '5432',
      PGUSER: decodeURIComponent(url.username) || 'postgres',
      PGDATABASE: decodeURIComponent(url.pathname.slice(1)) || 'postgres',
    };
    if (url.password) env.PGPASSWORD = decodeURIComponent(url.password);
    const sslmode = url.searchParams.get('sslmode');
    if (sslmode) env.PGSSLMODE = sslmode;
    return env;
  }

  /** Resolves when the tool exits 0; else fails with the end of what it wrote to stderr. */
  private exitOf(child: ReturnType<typeof spawn>, name: string): Promise<void> {
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-STDERR_TAIL);
    });
    return new Promise((done, fail) => {
      child.on('error', (e) => fail(backupFailed(`${name} could not be run: ${e.message}`)));
      child.on('close', (code) =>
        code === 0 ? done() : fail(backupFailed(`${name} exited with ${code}: ${stderr.trim()}`)),
      );
    });
  }
}

/** A pass-through that reports the bytes that went by. */
export function counter(total: number, onProgress?: ByteProgress): PassThrough {
  let done = 0;
  return new PassThrough({
    transform(chunk: Buffer, _enc, next) {
      done += chunk.length;
      onProgress?.(done, Math.max(total, done));
      next(null, chunk);
    },
  });
}
