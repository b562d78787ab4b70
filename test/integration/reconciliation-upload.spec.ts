import type { DataSource } from 'typeorm';
import { Readable } from 'node:stream';
import { DomainError } from '@libs/core/domain-error';
import { ReconciliationSettings } from '../../src/modules/reconciliation/application/reconciliation-settings';
import { standaloneReconciliation } from '../../src/modules/reconciliation/reconciliation.standalone';
import { BACKENDS, createTestDatabase, openDataSource, TestDatabase } from '../support/database';

const HEADER = 'id,amount,currency,reference,description,date\n';
const line = (id: string, amount = '10.00') =>
  `${id},${amount},USD,r-${id},d ${id},2024-05-01T10:00:00.123456Z\n`;
const ids = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, k) => `${prefix}-${k + 1}`);

/**
 * The upload's store at the sizes where its batches overlap (staged while the file is read) and
 * where the move to external_transactions is tried before the checks that refuse a file: a clash
 * or a repeat far into a file is still refused whole, naming its rows, with nothing stored and
 * nothing left staged; a statement of several batches uploaded again answers the first upload.
 */
describe.each(BACKENDS)('reconciliation upload store (%s)', (kind) => {
  let db: TestDatabase;
  let ds: DataSource;
  let r: ReturnType<typeof standaloneReconciliation>;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    ds = await openDataSource(db);
    r = standaloneReconciliation(ds, new ReconciliationSettings(256, [], 5000, 1000));
  }, 300_000);
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const upload = async (content: string, source: string) => {
    const session = await r.uploads.open();
    await session.consume(Readable.from([content]), 's.csv');
    return session.finish(source);
  };
  const refusal = (content: string, source: string) =>
    upload(content, source).then(
      () => {
        throw new Error('stored');
      },
      (e: unknown) => {
        if (!(e instanceof DomainError)) throw e;
        return e as DomainError & {
          details: { errors: { row: number; column?: string; id?: string; message: string }[] };
        };
      },
    );
  const stored = async (source: string) =>
    (
      await ds.query(`SELECT count(*)::int AS n FROM external_transactions WHERE source = $1`, [
        source,
      ])
    )[0].n as number;
  const uploadsOf = async (source: string) =>
    (
      await ds.query(`SELECT count(*)::int AS n FROM reconciliation_uploads WHERE source = $1`, [
        source,
      ])
    )[0].n as number;
  const staged = async () =>
    (await ds.query(`SELECT count(*)::int AS n FROM reconciliation_staging`))[0].n as number;

  it('a statement of several batches uploaded again answers the first upload, in file order', async () => {
    const content =
      HEADER +
      ids('m', 2500)
        .map((id) => line(id))
        .join('');
    const first = await upload(content, 'multi');
    expect(first).toMatchObject({ recordCount: 2500, existing: false });
    const again = await upload(content, 'multi');
    expect(again).toEqual({ ...first, existing: true });
    const order: { external_id: string }[] = await ds.query(
      `SELECT external_id FROM external_transactions WHERE upload_id = $1 ORDER BY seq`,
      [first.uploadId],
    );
    expect(order.map((x) => x.external_id)).toEqual(ids('m', 2500));
    expect(await staged()).toBe(0);
  });

  it('refuses a file whose one stored id is its last row, after 2,500 new ones: nothing stored', async () => {
    const earlier = await upload(
      HEADER +
        ids('a', 3)
          .map((id) => line(id))
          .join(''),
      'late',
    );
    const fresh = ids('b', 2500).map((id) => line(id));
    const same = await refusal(HEADER + fresh.join('') + line('a-2'), 'late');
    expect(same.code).toBe('RECON_UPLOAD_FAILED');
    expect(same.details.errors).toEqual([
      {
        row: 2501,
        column: 'id',
        id: 'a-2',
        message: `id 'a-2' of source 'late' is already in upload ${earlier.uploadId}`,
      },
    ]);
    const changed = await refusal(HEADER + fresh.join('') + line('a-3', '10.01'), 'late');
    expect(changed.details.errors).toEqual([
      {
        row: 2501,
        column: 'id',
        id: 'a-3',
        message: `id 'a-3' of source 'late' is already in upload ${earlier.uploadId} with other content`,
      },
    ]);
    expect(await stored('late')).toBe(3);
    expect(await uploadsOf('late')).toBe(1);
    expect(await staged()).toBe(0);
  });

  it('refuses a file repeating an id 2,600 rows apart, naming both rows, before any stored clash', async () => {
    await upload(HEADER + line('c-1'), 'repeat');
    const rows = ids('d', 2600).map((id) => line(id));
    // Row 1 is already stored too: the repeat inside the file is what is named first.
    const e = await refusal(HEADER + line('c-1') + rows.join('') + line('d-1', '11.00'), 'repeat');
    expect(e.message).toContain(`id 'd-1' is on rows 2, 2602`);
    expect(e.details.errors).toEqual([
      { row: 2602, column: 'id', id: 'd-1', message: 'id repeats row 2' },
    ]);
    // The same with a new first row: the move is tried, clashes with itself, and is checked.
    const fresh = await refusal(HEADER + rows.join('') + line('d-1', '11.00'), 'repeat');
    expect(fresh.details.errors).toEqual([
      { row: 2601, column: 'id', id: 'd-1', message: 'id repeats row 1' },
    ]);
    expect(await stored('repeat')).toBe(1);
    expect(await staged()).toBe(0);
  });

  it('a file refused right after a batch was sent leaves none of that batch staged', async () => {
    // Row 3000 sends its batch; row 3001 is bad and ends the staging while that batch is on its way.
    // With idle connections in the pool, dropping the staged rows could run beside that batch.
    await Promise.all([1, 2, 3].map(() => ds.query(`SELECT pg_sleep(0.05)`)));
    const rows = ids('e', 3000).map((id) => line(id));
    const e = await refusal(HEADER + rows.join('') + line('e-3001', 'ten'), 'inflight');
    expect(e.details.errors[0]).toMatchObject({ row: 3001, column: 'amount', id: 'e-3001' });
    expect(await staged()).toBe(0);
    expect(await stored('inflight')).toBe(0);
    expect(await uploadsOf('inflight')).toBe(0);
  });
});
