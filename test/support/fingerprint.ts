import type { DataSource } from 'typeorm';

/**
 * Tables a refused request may still change, and why. Every other table of the schema is in the
 * digest, so a table added later is covered without anyone remembering to list it.
 */
const EXEMPT: Record<string, string> = {
  // The migrations' own record.
  migrations: 'written by migrations only',
  // A refused reveal is audited on purpose, in a transaction of its own (docs/security.md).
  detokenization_audit: 'a refused detokenize is audited',
  // The relay updates delivery columns meanwhile; a new event is checked by its newest seq.
  event_outbox: 'checked below by its newest seq',
  // The sealer moves rows from pending to sealed meanwhile; checked below by sealed + pending.
  transaction_chain: 'checked below with the pending rows',
  transaction_chain_pending: 'checked below with the sealed rows',
  chain_state: 'the sealer moves the head meanwhile',
};

/**
 * A digest of every row of every table of the schema (count and an md5 of the rows in order):
 * equal before and after a request means the request wrote nothing, not even an update to an
 * existing row. Meant for test databases of a few thousand rows.
 */
export async function fingerprint(ds: DataSource): Promise<Record<string, string>> {
  const tables = (
    (await ds.query(
      `SELECT table_name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    )) as { table_name: string }[]
  )
    .map((t) => t.table_name)
    .filter((t) => !(t in EXEMPT));
  const out: Record<string, string> = {};
  for (const table of tables) {
    const [row] = (await ds.query(
      `SELECT count(*)::text AS n, md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS digest
         FROM ${table} t`,
    )) as { n: string; digest: string }[];
    out[table] = `${row.n}/${row.digest}`;
  }
  // No event either: only the newest seq, since the relay updates delivery columns meanwhile.
  const [events] = (await ds.query(`SELECT max(seq)::text AS last FROM event_outbox`)) as {
    last: string | null;
  }[];
  out.event_outbox = events.last ?? '-';
  // Sealing moves a row from pending to sealed: the sum changes only when a row is added.
  const [chain] = (await ds.query(
    `SELECT ((SELECT count(*) FROM transaction_chain) +
             (SELECT count(*) FROM transaction_chain_pending))::text AS n`,
  )) as { n: string }[];
  out.transaction_chain = chain.n;
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

/**
 * Row count and an md5 of the rows in order for every table of schema blnk, the migrations'
 * table included, and the value of every sequence: equal for a database and its restored backup.
 */
export async function schemaDigest(ds: DataSource): Promise<Record<string, string>> {
  const tables = (await ds.query(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'blnk' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  )) as { table_name: string }[];
  const out: Record<string, string> = {};
  for (const { table_name: t } of tables) {
    const [row] = (await ds.query(
      `SELECT count(*)::text AS n, md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) AS d
         FROM blnk."${t}" x`,
    )) as { n: string; d: string }[];
    out[t] = `${row.n}/${row.d}`;
  }
  const seqs = (await ds.query(
    `SELECT sequencename, last_value::text AS v FROM pg_sequences WHERE schemaname = 'blnk'`,
  )) as { sequencename: string; v: string | null }[];
  for (const s of seqs) out[`seq:${s.sequencename}`] = s.v ?? '-';
  return out;
}
