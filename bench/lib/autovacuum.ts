import { Client } from 'pg';
import { pgSessionConfig } from '../../libs/persistence/schema';

/** autovacuum's defaults: how often it looks, and when a table is due for VACUUM or ANALYZE. */
export const AUTOVACUUM = {
  naptimeMs: 60_000,
  vacuumThreshold: 50,
  vacuumScaleFactor: 0.2,
  analyzeThreshold: 50,
  analyzeScaleFactor: 0.1,
  costDelay: '2ms',
};

/**
 * The tables autovacuum would take now, with its default thresholds: dead rows past 50 + 20% of
 * the table for VACUUM (ANALYZE), else changes since the last ANALYZE past 50 + 10% for ANALYZE.
 */
export const DUE_FOR_AUTOVACUUM = `
  SELECT name, vacuum_due AS vacuum FROM (
    SELECT quote_ident(s.schemaname) || '.' || quote_ident(s.relname) AS name, s.n_dead_tup,
           s.n_dead_tup > ${AUTOVACUUM.vacuumThreshold}
             + ${AUTOVACUUM.vacuumScaleFactor} * greatest(c.reltuples, 0) AS vacuum_due,
           s.n_mod_since_analyze > ${AUTOVACUUM.analyzeThreshold}
             + ${AUTOVACUUM.analyzeScaleFactor} * greatest(c.reltuples, 0) AS analyze_due
      FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid) t
   WHERE vacuum_due OR analyze_due
   ORDER BY n_dead_tup DESC`;

export interface AutovacuumCount {
  vacuumed: number;
  analyzed: number;
  /** Statements that failed (a table dropped meanwhile, say); the stand-in goes on. */
  failed: number;
}

/**
 * Does what autovacuum would do on a production server, for a server whose autovacuum is off
 * (this machine's CI configuration): every naptime, VACUUM (ANALYZE) or ANALYZE each table past
 * autovacuum's default thresholds, one at a time, with its default cost delay, on a connection
 * of its own. Answers the function that stops it (at once, between two tables) and says what
 * it did.
 */
export async function standInForAutovacuum(
  dbUrl: string,
  naptimeMs = AUTOVACUUM.naptimeMs,
): Promise<() => Promise<AutovacuumCount>> {
  const done: AutovacuumCount = { vacuumed: 0, analyzed: 0, failed: 0 };
  const db = new Client(pgSessionConfig(dbUrl));
  await db.connect();
  await db.query(`SET vacuum_cost_delay = '${AUTOVACUUM.costDelay}'`);
  let stopping = false;
  let wake: () => void = () => undefined;
  const round = async () => {
    const due = (await db.query<{ name: string; vacuum: boolean }>(DUE_FOR_AUTOVACUUM)).rows;
    for (const t of due) {
      if (stopping) return;
      try {
        await db.query(t.vacuum ? `VACUUM (ANALYZE) ${t.name}` : `ANALYZE ${t.name}`);
        if (t.vacuum) done.vacuumed++;
        else done.analyzed++;
      } catch {
        done.failed++;
      }
    }
  };
  const loop = (async () => {
    while (!stopping) {
      await new Promise<void>((r) => {
        const timer = setTimeout(r, naptimeMs);
        wake = () => {
          clearTimeout(timer);
          r();
        };
      });
      if (stopping) break;
      await round().catch(() => done.failed++);
    }
  })();
  return async () => {
    stopping = true;
    wake();
    await loop;
    await db.end();
    return done;
  };
}
