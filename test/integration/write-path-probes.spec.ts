import type { DataSource, QueryRunner } from 'typeorm';
import { BACKENDS, createTestDatabase, openDataSource, TestDatabase } from '../support/database';

/**
 * The probes every `INSERT INTO transactions` runs in its triggers ("does any balance track fund
 * lineage?", "is any snapshot newer than these rows?") must be index probes whatever the
 * statistics say. Written as EXISTS, PostgreSQL planned them from statistics; with statistics
 * that overstate the hits (a ledger just loaded, ANALYZE not run yet: its default guess is a
 * third of the rows) it chose a sequential scan and read the whole table per statement, 50 ms of
 * CPU at 100,000 balances.
 *
 * The test gives both tables statistics that lie on purpose (ANALYZE while every row is a hit,
 * then no row is, autovacuum off for them), checks that the old EXISTS form is indeed planned as
 * a sequential scan there, then inserts transactions through the real triggers and counts the
 * sequential scans of both tables: none.
 */
describe.each(BACKENDS)('write-path probes under misleading statistics (%s)', (kind) => {
  let db: TestDatabase;
  let ds: DataSource;
  let qr: QueryRunner;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    ds = await openDataSource(db);
    qr = ds.createQueryRunner();
    await qr.connect();
    await qr.query(`ALTER TABLE balances SET (autovacuum_enabled = false)`);
    await qr.query(`ALTER TABLE balance_snapshots SET (autovacuum_enabled = false)`);
    await qr.query(`SET session_replication_role = replica`); // set-up rows, no triggers
    await qr.query(
      `INSERT INTO balances (balance_id, ledger_id, identity_id, currency, track_fund_lineage)
       SELECT 'bln_probe_' || i, 'general_ledger_id', 'idt_probe', 'USD', true
         FROM generate_series(1, 5000) AS i`,
    );
    await qr.query(
      `INSERT INTO balance_snapshots (balance_id, ledger_id, snapshot_day, snapshot_time,
         balance, credit_balance, debit_balance, currency)
       SELECT 'bln_probe_' || i, 'general_ledger_id', DATE '2999-01-01' + i,
              TIMESTAMPTZ '2999-01-01 00:00:00+00' + i * interval '1 day', 0, 0, 0, 'USD'
         FROM generate_series(1, 5000) AS i`,
    );
    await qr.query(`ANALYZE balances`);
    await qr.query(`ANALYZE balance_snapshots`);
    // Now no balance tracks lineage and every snapshot is in the past; the statistics still
    // say every balance does and every snapshot is far in the future.
    await qr.query(`UPDATE balances SET track_fund_lineage = false`);
    await qr.query(
      `UPDATE balance_snapshots SET snapshot_day = DATE '2000-01-01' + (id % 5000)::int,
              snapshot_time = TIMESTAMPTZ '2000-01-01 00:00:00+00' + (id % 5000) * interval '1 day'`,
    );
    await qr.query(`SET session_replication_role = origin`);
  }, 120_000);

  afterAll(async () => {
    await qr?.release();
    await ds?.destroy();
    await db?.drop();
  });

  /** Sequential scans of the two tables so far, as the statistics collector counts them. */
  async function seqScans(): Promise<Record<string, number>> {
    await qr.query(`SELECT pg_stat_force_next_flush()`);
    const rows = (await qr.query(
      `SELECT relname, seq_scan::int AS n FROM pg_stat_user_tables
        WHERE relname IN ('balances', 'balance_snapshots') ORDER BY relname`,
    )) as { relname: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.relname, r.n]));
  }

  it('the statistics mislead the planner as a freshly loaded ledger would', async () => {
    const plan = async (sql: string) =>
      ((await qr.query(`EXPLAIN ${sql}`)) as { 'QUERY PLAN': string }[])
        .map((r) => r['QUERY PLAN'])
        .join('\n');
    // The probes as they were written: a sequential scan of each table.
    expect(await plan(`SELECT EXISTS (SELECT 1 FROM balances WHERE track_fund_lineage)`)).toMatch(
      /Seq Scan on balances/,
    );
    expect(
      await plan(`SELECT EXISTS (SELECT 1 FROM balance_snapshots WHERE snapshot_time >= now())`),
    ).toMatch(/Seq Scan on balance_snapshots/);
  });

  it('inserting transactions scans neither table', async () => {
    const before = await seqScans();
    for (let k = 0; k < 3; k++) {
      await qr.query(
        `INSERT INTO transactions (transaction_id, reference, source, destination, amount,
           precise_amount, precision, currency, status, hash, description)
         SELECT 'txn_probe_' || $1 || '_' || i, 'ref_probe_' || $1 || '_' || i, 'bln_probe_1',
                'bln_probe_2', 1, 100, 100, 'USD', 'APPLIED', 'h', 'probe'
           FROM generate_series(1, 10) AS i`,
        [k],
      );
    }
    const [{ n }] = (await qr.query(
      `SELECT count(*)::int AS n FROM transactions WHERE reference LIKE 'ref_probe_%'`,
    )) as { n: number }[];
    expect(n).toBe(30);
    expect(await seqScans()).toEqual(before);
  });
});
