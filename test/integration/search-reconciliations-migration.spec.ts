import { DataSource, QueryRunner } from 'typeorm';
import { SearchReconciliations1733900000000 } from '../../migrations/1733900000000-search-reconciliations';
import { createTestDatabase, openDataSource, TestDatabase } from '../support/database';

/**
 * Migration 1733900000000 on a database that already has reconciliation runs: with the search
 * feed on (Typesense configured), the runs made before it are queued for the indexer, oldest
 * first; with the feed off nothing is queued (PostgreSQL search reads the table). Down removes
 * the triggers: a run made then is not queued.
 */
describe('migration 1733900000000 (search over reconciliations)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  // One connection for everything: PGlite's pool has one.
  let qr: QueryRunner;
  const migration = new SearchReconciliations1733900000000();

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await openDataSource(db);
    qr = ds.createQueryRunner();
  });
  afterAll(async () => {
    await qr.release();
    await ds.destroy();
    await db.drop();
  });

  const queued = async () =>
    (
      (await qr.query(
        `SELECT entity_id FROM search_index_queue WHERE collection = 'reconciliations' ORDER BY seq`,
      )) as { entity_id: string }[]
    ).map((r) => r.entity_id);

  const run = async (id: string, hoursAgo: number) => {
    await qr.query(
      `INSERT INTO reconciliation_uploads (upload_id, source, record_count, digest)
       VALUES ($1, $1, 0, '')`,
      [`upload_${id}`],
    );
    await qr.query(
      `INSERT INTO reconciliations (reconciliation_id, upload_id, strategy, rules, dry_run, total, started_at)
       VALUES ($1, $2, 'one_to_one', '[]', false, 0, now() - $3 * interval '1 hour')`,
      [id, `upload_${id}`, hoursAgo],
    );
  };

  it('queues the runs made before it when the feed is on, oldest first', async () => {
    await migration.down(qr);
    await qr.query(`UPDATE search_feed SET enabled = true`);
    await run('recon_b_newer', 1);
    await run('recon_a_older', 2);
    expect(await queued()).toEqual([]); // no triggers before it
    await migration.up(qr);
    expect(await queued()).toEqual(['recon_a_older', 'recon_b_newer']);
  });

  it('queues nothing when the feed is off, and nothing after down', async () => {
    await qr.query(`DELETE FROM search_index_queue`);
    await migration.down(qr);
    await qr.query(`UPDATE search_feed SET enabled = false`);
    await migration.up(qr);
    expect(await queued()).toEqual([]);
    await migration.down(qr);
    await qr.query(`UPDATE search_feed SET enabled = true`);
    await run('recon_c_after_down', 0);
    expect(await queued()).toEqual([]);
    await migration.up(qr); // as it was: queues what exists
    expect(await queued()).toContain('recon_c_after_down');
  });
});
