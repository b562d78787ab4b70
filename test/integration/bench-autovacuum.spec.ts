import { Client } from 'pg';
import { AUTOVACUUM, DUE_FOR_AUTOVACUUM, standInForAutovacuum } from '../../bench/lib/autovacuum';
import { BACKENDS, createTestDatabase, TestDatabase } from '../support/database';

/**
 * The bench's stand-in for autovacuum (on a server that runs none) picks the tables autovacuum
 * would, by its default thresholds: dead rows past 50 + 20% for VACUUM, changes past 50 + 10%
 * for ANALYZE.
 */
describe.each(BACKENDS)('the bench stand-in for autovacuum (%s)', (kind) => {
  let db: TestDatabase;
  let client: Client;
  beforeAll(async () => {
    db = await createTestDatabase(kind, { migrate: false });
    client = new Client({ connectionString: db.dsn });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  /** A session's counters reach the statistics views when it flushes them: flush this one's now. */
  const flush = () => client.query('SELECT pg_stat_force_next_flush()');

  async function due(): Promise<Record<string, boolean>> {
    await flush();
    const { rows } = await client.query<{ name: string; vacuum: boolean }>(DUE_FOR_AUTOVACUUM);
    return Object.fromEntries(
      rows.filter((r) => r.name.endsWith('_probe')).map((r) => [r.name, r.vacuum]),
    );
  }

  it('takes a table past the thresholds and leaves one below them', async () => {
    expect(AUTOVACUUM.vacuumScaleFactor).toBe(0.2);
    for (const t of ['clean_probe', 'dirty_probe']) {
      await client.query(`CREATE TABLE ${t} (id int)`);
      await client.query(`INSERT INTO ${t} SELECT g FROM generate_series(1, 1000) g`);
      await flush(); // or the inserts would be counted after the ANALYZE below
      await client.query(`VACUUM (ANALYZE) ${t}`);
    }
    expect(await due()).toEqual({});

    // 100 dead rows of 1,000 stay below 50 + 200; 251 pass it.
    await client.query('DELETE FROM clean_probe WHERE id <= 100');
    await client.query('DELETE FROM dirty_probe WHERE id <= 251');
    expect(await due()).toEqual({ 'public.dirty_probe': true });

    // 100 changes since ANALYZE stay below 50 + 100 for clean_probe; 60 more pass it.
    await client.query('INSERT INTO clean_probe SELECT g FROM generate_series(1, 60) g');
    expect(await due()).toEqual({ 'public.clean_probe': false, 'public.dirty_probe': true });

    await flush();
    await client.query('VACUUM (ANALYZE) dirty_probe');
    await client.query('ANALYZE clean_probe');
    expect(await due()).toEqual({});
  });

  it('vacuums a due table each naptime on its own connection, and stops when told', async () => {
    await client.query('CREATE TABLE standin_probe (id int)');
    await client.query('INSERT INTO standin_probe SELECT g FROM generate_series(1, 1000) g');
    await client.query('DELETE FROM standin_probe WHERE id <= 600');
    await flush();
    const stop = await standInForAutovacuum(db.dsn, 20);
    let vacuumed = false;
    try {
      for (let i = 0; i < 500 && !vacuumed; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const { rows } = await client.query<{ n: number }>(
          `SELECT vacuum_count::int AS n FROM pg_stat_user_tables WHERE relname = 'standin_probe'`,
        );
        vacuumed = rows[0]?.n > 0;
      }
    } finally {
      const done = await stop();
      expect(done.vacuumed).toBeGreaterThanOrEqual(1);
      expect(done.failed).toBe(0);
    }
    expect(vacuumed).toBe(true);
    expect(await due()).not.toHaveProperty('public.standin_probe');
  });
});
