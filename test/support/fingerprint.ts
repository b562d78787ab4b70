import type { DataSource } from 'typeorm';

/** The tables a refused request must leave exactly as they were. */
const TABLES = [
  ['ledgers', 'id'],
  ['balances', 'id'],
  ['transactions', 'id'],
  ['identity', 'id'],
  ['queued_work', 'seq'],
  ['reference_claims', 'reference'],
  ['api_keys', 'api_key_id'],
] as const;

/**
 * A digest of every row of the ledger's tables (count, largest key and an md5 of the rows in key
 * order): equal before and after a request means the request wrote nothing, not even an update
 * to an existing row. Meant for test databases of a few thousand rows.
 */
export async function fingerprint(ds: DataSource): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [table, key] of TABLES) {
    const [row] = (await ds.query(
      `SELECT count(*)::text AS n, max(${key})::text AS last,
              md5(coalesce(string_agg(t::text, ',' ORDER BY ${key}), '')) AS digest
         FROM ${table} t`,
    )) as { n: string; last: string | null; digest: string }[];
    out[table] = `${row.n}/${row.last ?? '-'}/${row.digest}`;
  }
  // No event either: only the newest seq, since the relay updates delivery columns meanwhile.
  const [events] = (await ds.query(`SELECT max(seq)::text AS last FROM event_outbox`)) as {
    last: string | null;
  }[];
  out.event_outbox = events.last ?? '-';
  return out;
}

/**
 * Copies one row `n` times with fresh values for its unique text columns (`<column> || '-seed-' ||
 * i`), for tests that need many rows quickly; the copies are valid wherever the original is.
 */
export async function cloneRows(
  ds: DataSource,
  table: string,
  where: { column: string; value: string },
  unique: string[],
  n: number,
): Promise<void> {
  const cols = (
    (await ds.query(
      `SELECT column_name FROM information_schema.columns
        WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position`,
      [table],
    )) as { column_name: string }[]
  )
    .map((c) => c.column_name)
    .filter((c) => c !== 'id');
  const select = cols.map((c) => (unique.includes(c) ? `${c} || '-seed-' || g` : c));
  await ds.query(
    `INSERT INTO ${table} (${cols.join(', ')})
     SELECT ${select.join(', ')} FROM ${table}, generate_series(1, ${n}) g WHERE ${where.column} = $1`,
    [where.value],
  );
}
