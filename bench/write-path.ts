/**
 * Issue 18: what each trigger and index on `transactions` costs an insert, measured on PostgreSQL.
 *
 *   npm run build && npx swc bench test/support/invariants.ts -d dist --ignore "**\/*.spec.ts"
 *   node dist/bench/write-path.js [--pg postgres://…] [--rounds 5] [--batches 20] [--rows 200]
 *
 * On a migrated scratch ledger, each variant inserts `batches` × `rows` APPLIED transfers the
 * way the drain does (one multi-row INSERT per batch, in one database transaction), with one
 * trigger disabled or one index dropped inside that transaction, then rolls it all back, so every
 * variant starts from the same table. Variants run interleaved, round after round. The measure
 * is the CPU time of the PostgreSQL backend that runs them (from /proc, so the server must be on
 * this machine), which a busy machine disturbs far less than wall time; each variant is reported
 * as the median CPU ms per 1,000 rows and its saving against "all on" (medians of the same run).
 * Commit cost (WAL flush) is left out: it is per transaction, not per index.
 */
import type { DataSource, QueryRunner } from 'typeorm';
import { cpuMsOf } from './lib/processes';
import { cliArg, withScratchLedger } from './lib/scratch';

interface Variant {
  name: string;
  /** DDL run inside the measured transaction before the inserts (rolled back after). */
  setup: string[];
}

const rounds = Number(cliArg('rounds', '5'));
const batches = Number(cliArg('batches', '20'));
const rows = Number(cliArg('rows', '200'));
/** `--only a,b`: only the variants whose name contains one of these (and "all on"). */
const only = cliArg('only', '')
  .split(',')
  .filter((x) => x);

/** The outbox trigger's function with another SELECT (replaced inside the rolled-back transaction). */
const outboxWith = (select: string) => `
  CREATE OR REPLACE FUNCTION outbox_transactions() RETURNS trigger LANGUAGE plpgsql
  SET search_path = blnk AS $$
  BEGIN
    INSERT INTO event_outbox (event, entity, entity_id, snapshot) ${select};
    RETURN NULL;
  END $$`;

function insertBatch(batch: number): string {
  // One row per transfer, as the drain's outcome rows: text ids, numeric amounts, a description.
  return `
    INSERT INTO transactions (transaction_id, reference, source, destination, amount, precise_amount,
      precision, currency, description, status, hash, meta_data, outcome_of)
    SELECT 'txn_' || b.k || '_' || g, 'ref_' || b.k || '_' || g || '_q', 'bln_a', 'bln_b',
      (g % 1000) + 1, ((g % 1000) + 1) * 100, 100, 'USD', 'bench transfer ' || g, 'APPLIED',
      md5(b.k || '_' || g), '{"k": "v"}'::jsonb, 'txn_q_' || b.k || '_' || g
    FROM generate_series(1, ${rows}) g, (SELECT ${batch}::text || '_' || txid_current() AS k) b`;
}

async function variants(ds: DataSource): Promise<Variant[]> {
  const triggers: { tgname: string }[] = await ds.query(
    `SELECT tgname FROM pg_trigger WHERE tgrelid = 'transactions'::regclass AND NOT tgisinternal
     ORDER BY tgname`,
  );
  const indexes: { indexname: string }[] = await ds.query(
    `SELECT i.relname AS indexname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indrelid = 'transactions'::regclass AND NOT x.indisprimary
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
     ORDER BY 1`,
  );
  const all: Variant[] = [
    { name: 'all on', setup: [] },
    ...triggers.map((t) => ({
      name: `trigger ${t.tgname}`,
      setup: [`ALTER TABLE transactions DISABLE TRIGGER ${t.tgname}`],
    })),
    ...indexes.map((i) => ({ name: `index ${i.indexname}`, setup: [`DROP INDEX ${i.indexname}`] })),
    {
      name: 'every trigger and index above',
      setup: [
        ...triggers.map((t) => `ALTER TABLE transactions DISABLE TRIGGER ${t.tgname}`),
        ...indexes.map((i) => `DROP INDEX ${i.indexname}`),
      ],
    },
    // What the outbox row itself costs, part by part (its table's indexes, the snapshot).
    {
      name: 'outbox: event_id unique index (random uuid) off',
      setup: [`ALTER TABLE event_outbox DROP CONSTRAINT event_outbox_event_id_key`],
    },
    { name: 'outbox: status index off', setup: [`DROP INDEX event_outbox_status_idx`] },
    { name: 'outbox: due index off', setup: [`DROP INDEX event_outbox_due_idx`] },
    {
      name: 'outbox: no snapshot (to_jsonb) written',
      setup: [
        outboxWith(
          `SELECT 'transaction.' || lower(status), 'transaction', transaction_id, '{}'::jsonb FROM new_rows n`,
        ),
      ],
    },
    {
      name: 'outbox: one row per statement (ids as an array)',
      setup: [
        outboxWith(
          `SELECT 'transaction.batch', 'transaction', min(transaction_id), jsonb_build_object('ids', jsonb_agg(transaction_id)) FROM new_rows n`,
        ),
      ],
    },
  ];
  return only.length
    ? all.filter((v) => v.name === 'all on' || only.some((o) => v.name.includes(o)))
    : all;
}

async function measure(qr: QueryRunner, backend: number, v: Variant): Promise<number> {
  await qr.startTransaction();
  try {
    for (const s of v.setup) await qr.query(s);
    const started = cpuMsOf(backend);
    for (let b = 0; b < batches; b++) await qr.query(insertBatch(b));
    return cpuMsOf(backend) - started;
  } finally {
    await qr.rollbackTransaction();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

void withScratchLedger('bench_write_path', async (ds) => {
  const vs = await variants(ds);
  const qr = ds.createQueryRunner();
  await qr.connect();
  const [{ pid }] = (await qr.query('SELECT pg_backend_pid() AS pid')) as { pid: number }[];
  const times = new Map<string, number[]>(vs.map((v) => [v.name, []]));
  try {
    await measure(qr, pid, vs[0]); // warm-up
    for (let r = 0; r < rounds; r++) {
      for (const v of vs) times.get(v.name)!.push(await measure(qr, pid, v));
    }
  } finally {
    await qr.release();
  }
  const per1000 = (name: string) => (median(times.get(name)!) / (batches * rows)) * 1000;
  const base = per1000('all on');
  console.log(`rows per variant: ${batches} × ${rows}, rounds: ${rounds}`);
  console.log('| variant | backend CPU ms per 1,000 rows (median) | saving vs all on |');
  console.log('| --- | --- | --- |');
  for (const v of vs) {
    const t = per1000(v.name);
    const saving = v.name === 'all on' ? '' : `${(((base - t) / base) * 100).toFixed(1)}%`;
    console.log(`| ${v.name} | ${t.toFixed(1)} | ${saving} |`);
  }
});
