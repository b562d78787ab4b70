import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two probes that every `INSERT INTO transactions` statement runs in its triggers were written as
 * `EXISTS (...)`, which leaves the plan to the table's statistics:
 *
 * * `lineage_on_transactions`: "is any balance tracking fund lineage?" Without fresh statistics
 *   (a ledger just loaded, `ANALYZE` not run yet, autovacuum off or behind) PostgreSQL guesses a
 *   third of the rows true and takes a sequential scan, expecting a hit at once; with no tracking
 *   balance it reads the whole table. At 100,000 balances: 50 ms of CPU per statement (measured by
 *   `npm run bench`, where it held the whole write path to a quarter of its throughput).
 * * `balance_snapshots_follow`: "is any snapshot at or after this statement's oldest row?" The
 *   same guess on a grown `balance_snapshots` reads every snapshot, none of which is that new.
 *
 * Both become an ordered `LIMIT 1` over the index that answers them, the partial index of tracking
 * balances and the index on `snapshot_time`: a sequential scan would then need a sort of every
 * candidate, so the index is the cheaper plan whatever the statistics say. The functions are
 * rewritten in place from their current definition; nothing else in them changes.
 */
const PROBES: { fn: string; before: string; after: string }[] = [
  {
    fn: 'lineage_on_transactions',
    before: `-- Without any tracking balance there is nothing more to do (one probe of a partial index).
        IF NOT EXISTS (SELECT 1 FROM balances WHERE track_fund_lineage) THEN
          RETURN NULL;
        END IF;`,
    after: `-- Without any tracking balance there is nothing more to do: one probe of the partial
        -- index, ordered by its key so that no plan but the index is cheaper (statistics or not).
        PERFORM 1 FROM balances WHERE track_fund_lineage ORDER BY balance_id LIMIT 1;
        IF NOT FOUND THEN
          RETURN NULL;
        END IF;`,
  },
  {
    fn: 'balance_snapshots_follow',
    before: `IF NOT EXISTS (
          SELECT 1 FROM balance_snapshots
           WHERE snapshot_time >= (SELECT min(COALESCE(effective_date, created_at))
                                     FROM new_rows WHERE status = 'APPLIED')) THEN
          RETURN NULL;
        END IF;`,
    after: `-- Ordered by the index's key: no plan but the index is cheaper, statistics or not.
        PERFORM 1 FROM balance_snapshots
          WHERE snapshot_time >= (SELECT min(COALESCE(effective_date, created_at))
                                    FROM new_rows WHERE status = 'APPLIED')
          ORDER BY snapshot_time DESC LIMIT 1;
        IF NOT FOUND THEN
          RETURN NULL;
        END IF;`,
  },
];

/** `text` as a pattern that matches it whatever its whitespace (indentation, line breaks). */
const loosely = (text: string) =>
  new RegExp(
    text
      .trim()
      .split(/\s+/)
      .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('\\s+'),
  );

async function rewrite(q: QueryRunner, fn: string, from: string, to: string): Promise<void> {
  const [{ def }] = (await q.query(
    `SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p
       JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = current_schema() AND p.proname = $1`,
    [fn],
  )) as { def: string }[];
  const pattern = loosely(from);
  if (!pattern.test(def)) throw new Error(`${fn}: the probe to rewrite is not in its definition`);
  await q.query(def.replace(pattern, () => to));
}

export class ProbesByIndex1734200000000 implements MigrationInterface {
  name = 'ProbesByIndex1734200000000';

  async up(q: QueryRunner): Promise<void> {
    for (const p of PROBES) await rewrite(q, p.fn, p.before, p.after);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const p of PROBES) await rewrite(q, p.fn, p.after, p.before);
  }
}
