import { writeFile, readFile, stat } from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import { pgDump } from '@electric-sql/pglite-tools';
import type { DataSource } from 'typeorm';
import { SEARCH_PATH } from '@libs/persistence/schema';
import { backupFailed } from '../../domain/backup.errors';
import { ByteProgress, DatabaseDumper } from '../../application/ports/database-dumper';

/**
 * Embedded mode: PGlite's own pg_dump build (the system's pg_dump refuses PGlite's PostgreSQL
 * version). PGlite is one session shared by the process through its socket, so the dump runs
 * while this holds the pool's only connection: nothing else runs between its statements, and the
 * dump is of one moment. pgDump gives the whole dump at once (not a stream).
 */
export class PgliteDumper extends DatabaseDumper {
  constructor(
    private readonly pg: PGlite,
    private readonly db: DataSource,
  ) {
    super();
  }

  databaseName(): Promise<string> {
    return Promise.resolve('neraca');
  }

  async dumpTo(file: string, onProgress?: ByteProgress): Promise<void> {
    const text = await this.exclusively(async () => {
      try {
        // pgDump puts search_path back as SHOW gave it and warns when SHOW then reads differently:
        // the server default `blnk,public` reads back as `blnk, public`. Set in that form first.
        await this.pg.exec(`SET search_path = ${SEARCH_PATH.split(',').join(', ')}`);
        const dump = await pgDump({ pg: this.pg, args: ['--format=plain'] });
        return await dump.text();
      } finally {
        // pg_dump ends without closing its read-only snapshot transaction, and its settings
        // (DateStyle, row_security, …) would stay: this session is the whole process's, so every
        // later write would fail. Roll back, and RESET ALL returns to the server's settings.
        if (this.pg.isInTransaction()) await this.pg.exec('ROLLBACK');
        await this.pg.exec('RESET ALL');
      }
    });
    await writeFile(file, text, { mode: 0o600, flag: 'wx' });
    const { size } = await stat(file);
    onProgress?.(size, size);
  }

  async isEmpty(): Promise<boolean> {
    const { rows } = await this.pg.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'blnk'`,
    );
    return rows[0].n === 0;
  }

  async restoreFrom(file: string, onProgress?: ByteProgress): Promise<void> {
    const text = await readFile(file, 'utf8');
    const { size } = await stat(file);
    onProgress?.(0, size);
    await this.exclusively(async () => {
      try {
        await this.pg.exec(`BEGIN;\n${text}\nCOMMIT;`);
      } catch (e) {
        await this.pg.exec('ROLLBACK').catch(() => undefined);
        throw backupFailed(`the dump did not apply: ${(e as Error).message}`);
      } finally {
        // The dump empties search_path for its session, which here is everyone's.
        await this.pg.exec('RESET ALL');
      }
    });
    onProgress?.(size, size);
  }

  /** Runs `work` while holding the pool's one connection (when a pool is open). */
  private async exclusively<T>(work: () => Promise<T>): Promise<T> {
    if (!this.db.isInitialized) return work();
    const held = this.db.createQueryRunner();
    await held.connect();
    try {
      return await work();
    } finally {
      await held.release();
    }
  }
}
