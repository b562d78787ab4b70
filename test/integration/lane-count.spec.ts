import { DataSource } from 'typeorm';
import { QueuedWorkPgRepository } from '../../src/modules/transaction/infrastructure/postgres/queued-work.pg-repository';
import { BACKENDS, createTestDatabase, openDataSource, TestDatabase } from '../support/database';

/** Work is routed over a lane count; a process with another count must not start while work waits. */
describe.each(BACKENDS)('the recorded lane count on %s', (kind) => {
  let db: TestDatabase;
  let ds: DataSource;
  let repo: QueuedWorkPgRepository;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
    ds = await openDataSource(db);
    repo = new QueuedWorkPgRepository(ds);
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('is recorded on first start and accepted again unchanged', async () => {
    await repo.claimLaneCount(8);
    await repo.claimLaneCount(8);
    const [row] = await ds.query(
      `SELECT value FROM engine_settings WHERE key = 'number_of_queues'`,
    );
    expect(row.value).toBe('8');
  });

  it('refuses another count while work is pending, naming both, and takes it once the queue is empty', async () => {
    await ds.query(
      `INSERT INTO queued_work (work_id, kind, transaction_id, group_id, lane, run_at)
       VALUES ('act_1', 'void', 'txn_h', 'act_1', 3, now())`,
    );
    await expect(repo.claimLaneCount(4)).rejects.toThrow(
      /number_of_queues is 4, but 1 queued work items were routed over 8 lanes/,
    );
    await ds.query(`DELETE FROM queued_work`);
    await repo.claimLaneCount(4);
    const [row] = await ds.query(
      `SELECT value FROM engine_settings WHERE key = 'number_of_queues'`,
    );
    expect(row.value).toBe('4');
  });

  it('on a database from before the count was recorded, refuses a count its pending work does not fit', async () => {
    await ds.query(`DELETE FROM engine_settings`);
    await ds.query(
      `INSERT INTO queued_work (work_id, kind, transaction_id, group_id, lane, run_at)
       VALUES ('act_2', 'void', 'txn_h', 'act_2', 6, now())`,
    );
    await expect(repo.claimLaneCount(4)).rejects.toThrow(/pending queued work uses lane 6/);
    await repo.claimLaneCount(7);
    await ds.query(`DELETE FROM queued_work`);
  });
});
