import type { DataSource, QueryRunner } from 'typeorm';
import { Readable } from 'node:stream';
import { DomainError } from '@libs/core/domain-error';
import { createDataSource } from '@libs/persistence/data-source';
import { migrateDown, migrateUp } from '@libs/persistence/migrate';
import { ReconciliationSettings } from '../../src/modules/reconciliation/application/reconciliation-settings';
import { standaloneReconciliation } from '../../src/modules/reconciliation/reconciliation.standalone';
import { BACKENDS, createTestDatabase, openDataSource, TestDatabase } from '../support/database';

const HEADER = 'id,amount,currency,reference,description,date\n';
const BASE = Date.parse('2024-09-02T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const settings = (batch: number, connections = 2) =>
  new ReconciliationSettings(256, [], 5000, batch, 1000, 60_000, 3, connections);

/**
 * This session's changes attacked as a client and an operator would: a one_to_one batch split
 * across connections when the pool is short or a pooled part fails, results of group strategies
 * whose members' seqs are far apart across batches, uploads of one statement racing, and the
 * unlogged staging table across `migrate down` / `up`.
 */
describe.each(BACKENDS)('reconciliation attacks (%s)', (kind) => {
  let db: TestDatabase;
  let ds: DataSource;
  let n = 0;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    ds = await openDataSource(db);
    // 200 internal transactions a minute apart, amounts 100.00 .. 299.00 (one each).
    await ds.transaction(async (m) => {
      await m.query(`SET LOCAL session_replication_role = replica`);
      for (let i = 0; i < 200; i++)
        await m.query(
          `INSERT INTO transactions (transaction_id, reference, amount, precise_amount, precision,
             currency, status, hash, description, created_at)
           VALUES ($1, $1, $2::numeric, $2::numeric * 100, 100, 'USD', 'APPLIED', 'h', 'd', $3)`,
          [`atk_${String(i).padStart(3, '0')}`, `${100 + i}.00`, iso(BASE + i * 60_000)],
        );
    });
  }, 300_000);
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const rule = async (criteria: object[]) => {
    const id = `rule_atk_${++n}`;
    await ds.query(
      `INSERT INTO matching_rules (rule_id, name, criteria, created_at, updated_at)
       VALUES ($1, 'atk', $2::jsonb, now(), now())`,
      [id, JSON.stringify(criteria)],
    );
    return id;
  };
  const exact = () =>
    rule([
      { field: 'amount', operator: 'equals', value: '', pattern: '', drift: '0' },
      { field: 'date', operator: 'equals', value: '', pattern: '', drift: '3600' },
    ]);
  /** 150 rows, one per internal transaction 0..149 (exact amount, same minute): 150 matches. */
  const oneToOneCsv = () =>
    HEADER +
    Array.from(
      { length: 150 },
      (_, i) => `o-${i},${100 + i}.00,USD,r,d,${iso(BASE + i * 60_000)}\n`,
    ).join('');
  const expectedPairs = Array.from({ length: 150 }, (_, i) => [
    `o-${i}`,
    `atk_${String(i).padStart(3, '0')}`,
  ]);

  const runAll = async (
    r: ReturnType<typeof standaloneReconciliation>,
    csv: string,
    strategy: string,
    ruleId: string,
    groupingCriteria?: string,
  ) => {
    const session = await r.uploads.open();
    await session.consume(Readable.from([csv]), 's.csv');
    const up = await session.finish(`atk-src-${++n}`);
    const id = await r.start.start({
      uploadId: up.uploadId,
      strategy,
      ruleIds: [ruleId],
      ...(groupingCriteria ? { groupingCriteria } : {}),
    });
    let run = await r.runner.lease('atk');
    while (run) run = await r.runner.step(run, 'atk');
    return id;
  };
  const pairs = async (id: string) =>
    (
      await ds.query(
        `SELECT external_id, internal_transaction_id FROM reconciliation_matches
          WHERE reconciliation_id = $1 ORDER BY external_seq, internal_transaction_id`,
        [id],
      )
    ).map((p: { external_id: string; internal_transaction_id: string }) => [
      p.external_id,
      p.internal_transaction_id,
    ]);
  const outcome = async (id: string) =>
    (
      await ds.query(
        `SELECT status, processed, matched, unmatched, attempts FROM reconciliations
          WHERE reconciliation_id = $1`,
        [id],
      )
    )[0] as { status: string; processed: number; matched: number; unmatched: number };

  it('a split batch whose pooled part fails is searched again on the transaction: the run completes, no attempt counted', async () => {
    const r = standaloneReconciliation(ds, settings(1000, 3));
    const ruleId = await exact();
    const real = ds.query.bind(ds);
    let failed = 0;
    // Every pooled candidate search fails (a statement timeout, a connection lost).
    const spy = jest.spyOn(ds, 'query').mockImplementation(((
      q: string,
      p?: unknown[],
      qr?: unknown,
    ) => {
      if (qr === undefined && /LATERAL/.test(q)) {
        failed++;
        return Promise.reject(new Error('canceling statement due to statement timeout'));
      }
      return real(q, p, qr as QueryRunner | undefined);
    }) as typeof ds.query);
    let id: string;
    try {
      id = await runAll(r, oneToOneCsv(), 'one_to_one', ruleId);
    } finally {
      spy.mockRestore();
    }
    if (kind === 'postgres') expect(failed).toBeGreaterThan(0);
    expect(await pairs(id)).toEqual(expectedPairs);
    expect(await outcome(id)).toMatchObject({
      status: 'completed',
      processed: 150,
      matched: 150,
      unmatched: 0,
      attempts: 0,
    });
  });

  if (kind === 'postgres')
    it('a pool of two with one connection held elsewhere: a split batch does not wait for the pool', async () => {
      const small = createDataSource({ dsn: db.dsn, poolSize: 2 });
      await small.initialize();
      const holder = small.createQueryRunner();
      try {
        await holder.connect();
        await holder.startTransaction();
        await holder.query(`SELECT 1`);
        const r = standaloneReconciliation(small, settings(1000, 2));
        const ruleId = await exact();
        // Whether anything queued for a connection while the run went (node-postgres' Pool
        // behind TypeORM's driver): a part sent to the pool here would wait for its acquire
        // timeout (10 s, every batch, for as long as the connection is held).
        const pool = (small.driver as unknown as { master: { waitingCount: number } }).master;
        let waited = 0;
        const watch = setInterval(() => (waited = Math.max(waited, pool.waitingCount)), 10);
        let id: string;
        try {
          id = await runAll(r, oneToOneCsv(), 'one_to_one', ruleId);
        } finally {
          clearInterval(watch);
        }
        expect(await pairs(id)).toEqual(expectedPairs);
        expect(await outcome(id)).toMatchObject({ status: 'completed', matched: 150 });
        expect(waited).toBe(0);
      } finally {
        await holder.rollbackTransaction();
        await holder.release();
        await small.destroy();
      }
    }, 60_000);

  it('many_to_one: groups whose rows are hundreds of seqs apart, two groups a batch, every member recorded', async () => {
    const r = standaloneReconciliation(ds, settings(2));
    const ruleId = await exact();
    // 40 groups G0..G39 of internal atk_150 .. atk_189 (amount 250+g), each split in three rows:
    // the first row of every group, then filler rows, then every group's second and third rows.
    const lines: string[] = [];
    for (let g = 0; g < 40; g++)
      lines.push(`a-${g},100.00,USD,G${g},d,${iso(BASE + (150 + g) * 60_000)}`);
    for (let f = 0; f < 300; f++) lines.push(`f-${f},1.${f % 100},USD,F${f},d,${iso(BASE)}`);
    for (let g = 0; g < 40; g++) {
      lines.push(`b-${g},100.00,USD,G${g},d,${iso(BASE + (150 + g) * 60_000)}`);
      lines.push(`c-${g},${50 + g}.00,USD,G${g},d,${iso(BASE + (150 + g) * 60_000)}`);
    }
    const id = await runAll(
      r,
      HEADER + lines.join('\n') + '\n',
      'many_to_one',
      ruleId,
      'reference',
    );
    const got = await pairs(id);
    const want: string[][] = [];
    for (const p of ['a', 'b', 'c'])
      for (let g = 0; g < 40; g++) want.push([`${p}-${g}`, `atk_${150 + g}`]);
    const key = (x: string[]) => x.join('|');
    expect(got.map(key).sort()).toEqual(want.map(key).sort());
    expect(await outcome(id)).toMatchObject({ status: 'completed', matched: 120, unmatched: 300 });
  });

  const upload = async (
    r: ReturnType<typeof standaloneReconciliation>,
    csv: string,
    source: string,
  ) => {
    const session = await r.uploads.open();
    await session.consume(Readable.from([csv]), 's.csv');
    return session.finish(source);
  };
  const statement = (rows: number, changed?: number) =>
    HEADER +
    Array.from(
      { length: rows },
      (_, k) => `u-${k},${k === changed ? '99.99' : '10.00'},USD,r,d,2024-05-01T10:00:00.123456Z\n`,
    ).join('');

  it('two uploads of one statement at once: one stored, both answer its upload_id', async () => {
    const r = standaloneReconciliation(ds, settings(1000));
    const source = `race-${++n}`;
    const csv = statement(2500);
    const [a, b] = await Promise.all([upload(r, csv, source), upload(r, csv, source)]);
    expect(a.uploadId).toBe(b.uploadId);
    expect([a.existing, b.existing].sort()).toEqual([false, true]);
    const [{ uploads, rows }] = await ds.query(
      `SELECT (SELECT count(*)::int FROM reconciliation_uploads WHERE source = $1) AS uploads,
              (SELECT count(*)::int FROM external_transactions WHERE source = $1) AS rows`,
      [source],
    );
    expect({ uploads, rows }).toEqual({ uploads: 1, rows: 2500 });
    const [{ staged }] = await ds.query(
      `SELECT count(*)::int AS staged FROM reconciliation_staging`,
    );
    expect(staged).toBe(0);
  });

  it('two uploads at once, one row changed in the second: one stored, the other refused naming it', async () => {
    const r = standaloneReconciliation(ds, settings(1000));
    const source = `race-${++n}`;
    const results = await Promise.allSettled([
      upload(r, statement(2500), source),
      upload(r, statement(2500, 2400), source),
    ]);
    const ok = results.filter((x) => x.status === 'fulfilled');
    const refused = results.filter((x) => x.status === 'rejected');
    expect(ok.length).toBe(1);
    expect(refused.length).toBe(1);
    const e = refused[0].reason as DomainError & { details: { errors: { id?: string }[] } };
    expect(e).toBeInstanceOf(DomainError);
    expect(e.code).toBe('RECON_UPLOAD_FAILED');
    expect(e.details.errors[0].id).toBe('u-2400');
    const [{ rows }] = await ds.query(
      `SELECT count(*)::int AS rows FROM external_transactions WHERE source = $1`,
      [source],
    );
    expect(rows).toBe(2500);
  });

  it('migrate down past the unlogged staging and up again: logged, then unlogged, uploads work', async () => {
    const persistence = async () =>
      (
        await ds.query(
          `SELECT relpersistence FROM pg_class WHERE oid = 'reconciliation_staging'::regclass`,
        )
      )[0].relpersistence as string;
    expect(await persistence()).toBe('u');
    // Down until the unlogged migration is undone (it may not be the newest one).
    for (let i = 0; i < 10 && (await persistence()) === 'u'; i++) await migrateDown(ds);
    expect(await persistence()).toBe('p');
    await migrateUp(ds);
    expect(await persistence()).toBe('u');
    const r = standaloneReconciliation(ds, settings(1000));
    expect((await upload(r, statement(3), `mig-${++n}`)).recordCount).toBe(3);
  });
});
