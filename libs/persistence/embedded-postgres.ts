import { mkdirSync } from 'node:fs';
import { Extension, PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { SEARCH_PATH } from './schema';

// A subpath export, which the project's `moduleResolution: node` cannot type: loaded by require.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { pg_trgm } = require('@electric-sql/pglite/contrib/pg_trgm') as { pg_trgm: Extension };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fuzzystrmatch } = require('@electric-sql/pglite/contrib/fuzzystrmatch') as {
  fuzzystrmatch: Extension;
};

export interface EmbeddedPostgres {
  dsn: string;
  /** The PGlite itself, for what needs it in-process (its pg_dump: backups). */
  pglite: PGlite;
  stop(): Promise<void>;
}

/**
 * Embedded mode: a PGlite database (real PostgreSQL compiled to WASM) served over the PostgreSQL
 * wire protocol on a loopback port, so the same `pg`/TypeORM code runs as against a server.
 * PGlite is a single session that the socket server multiplexes at the query level, so the pool in
 * front of it must hold
 * one connection: transactions then never interleave inside that session. (The server accepts a
 * few sockets so a closing connection does not block the next one.)
 * The socket server hands clients' startup packets to that one session, which ignores their
 * `options`, so Neraca's search_path (schema.ts) is a server option here, given on PGlite's
 * command line after its defaults (which set `search_path=public`; the later `-c` wins). It is
 * then the default of the session: `RESET ALL` or `DISCARD ALL` from any client keeps it.
 * `dataDir` undefined = in memory (tests).
 */
export async function startEmbeddedPostgres(dataDir?: string): Promise<EmbeddedPostgres> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create({
    dataDir,
    // PGlite ships contrib extensions as separate bundles; search uses these two (trigram
    // indexes, Levenshtein typo checks).
    extensions: { pg_trgm, fuzzystrmatch },
    startParams: [...PGlite.defaultStartParams, '-c', `search_path=${SEARCH_PATH}`],
  });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
  await server.start();
  const conn = server.getServerConn();
  const port = Number(conn.slice(conn.lastIndexOf(':') + 1));
  return {
    dsn: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    pglite: db,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
