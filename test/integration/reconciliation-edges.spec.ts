import type { DataSource } from 'typeorm';
import { Readable } from 'node:stream';
import { ReconciliationSettings } from '../../src/modules/reconciliation/application/reconciliation-settings';
import { standaloneReconciliation } from '../../src/modules/reconciliation/reconciliation.standalone';
import type { CandidateQuery } from '../../src/modules/reconciliation/application/ports/internal-transactions';
import {
  InternalTransactionsPg,
  MIN_PART,
} from '../../src/modules/reconciliation/infrastructure/postgres/internal-transactions.pg';
import { asTx } from '../../libs/persistence/tx';
import { ReconciliationPgRepository } from '../../src/modules/reconciliation/infrastructure/postgres/reconciliation.pg-repository';
import { BACKENDS, createTestDatabase, openDataSource, TestDatabase } from '../support/database';

const DAY_US = 86_400_000_000n;
/** 2^70 + 0.01: beyond 2^64, where a JS number would have lost the cents long ago. */
const HUGE = (2n ** 70n).toString() + '.01';

/** Microseconds since the epoch as an RFC 3339 timestamp with all six decimals. */
const iso = (us: bigint) => {
  const ms = us / 1000n;
  return (
    new Date(Number(ms)).toISOString().slice(0, -1) + (us % 1000n).toString().padStart(3, '0') + 'Z'
  );
};
const at = (s: string) => BigInt(Date.parse(s)) * 1000n;

/**
 * Edges of one_to_one's candidate search now that it goes by UTC day and amount
 * (`transactions_reconciliation_day_idx`), on every backend: the window's bounds are inclusive
 * to the microsecond across midnight, ties go to the earliest created_at then the smallest id,
 * amounts beyond 2^64 match exactly at the drift's edge and not a cent past it, and a run
 * stepped while transactions are inserted records each row once.
 */
describe.each(BACKENDS)('reconciliation edges (%s)', (kind) => {
  let db: TestDatabase;
  let ds: DataSource;
  let r: ReturnType<typeof standaloneReconciliation>;
  let n = 0;

  /** Internal transactions written as the ledger stores them (triggers off: no balances here). */
  const internal = async (rows: { id: string; amount: string; at: bigint; currency?: string }[]) =>
    ds.transaction(async (m) => {
      await m.query(`SET LOCAL session_replication_role = replica`);
      for (const x of rows) {
        await m.query(
          `INSERT INTO transactions (transaction_id, reference, amount, precise_amount, precision,
             currency, status, hash, description, created_at)
           VALUES ($1, $1, $2::numeric, $2::numeric * 100, 100, $3, 'APPLIED', 'h', 'd', $4)`,
          [x.id, x.amount, x.currency ?? 'USD', iso(x.at)],
        );
      }
    });

  const run = async (csv: string, criteria: object[]) => {
    const source = `src-${++n}`;
    const session = await r.uploads.open();
    await session.consume(Readable.from([csv]), 's.csv');
    const up = await session.finish(source);
    const rule = `rule_edges_${n}`;
    await ds.query(
      `INSERT INTO matching_rules (rule_id, name, criteria, created_at, updated_at)
       VALUES ($1, 'edges', $2::jsonb, now(), now())`,
      [rule, JSON.stringify(criteria)],
    );
    const id = await r.start.start({
      uploadId: up.uploadId,
      strategy: 'one_to_one',
      ruleIds: [rule],
    });
    return { id };
  };
  const stepAll = async () => {
    let run = await r.runner.lease('edges');
    while (run) run = await r.runner.step(run, 'edges');
  };
  const pairs = async (id: string) =>
    (
      await ds.query(
        `SELECT external_id, internal_transaction_id FROM reconciliation_matches
          WHERE reconciliation_id = $1 ORDER BY external_seq`,
        [id],
      )
    ).map((p: { external_id: string; internal_transaction_id: string }) => [
      p.external_id,
      p.internal_transaction_id,
    ]);
  const HEADER = 'id,amount,currency,reference,description,date\n';
  const amountDay = (drift: string) => [
    { field: 'amount', operator: 'equals', value: '', pattern: '', drift },
    { field: 'date', operator: 'equals', value: '', pattern: '', drift: '86400' },
  ];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    ds = await openDataSource(db);
    r = standaloneReconciliation(ds, new ReconciliationSettings(1, [], 5000, 2));
  }, 300_000);
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('takes the window inclusively across UTC midnight, ties by created_at then id', async () => {
    const e = at('2024-05-10T00:00:00Z'); // the window: 05-09 00:00 .. 05-11 00:00, both in
    await internal([
      { id: 'edge_before', amount: '50.00', at: e - DAY_US - 1n }, // a microsecond outside
      { id: 'edge_low_b', amount: '50.00', at: e - DAY_US }, // on the lower bound
      { id: 'edge_low_a', amount: '50.00', at: e - DAY_US }, // same instant, smaller id
      { id: 'edge_high', amount: '51.00', at: e + DAY_US }, // on the upper bound
      { id: 'edge_after', amount: '52.00', at: e + DAY_US + 1n },
    ]);
    const { id } = await run(
      HEADER +
        `x-low,50.00,USD,r,d,${iso(e)}\n` + // both on the lower bound: the smaller id
        `x-high,51.00,USD,r,d,${iso(e)}\n` + // only 51.00 within 0%: the one on the upper bound
        `x-after,52.00,USD,r,d,${iso(e)}\n`, // 52.00 is a microsecond out
      amountDay('0'),
    );
    await stepAll();
    expect(await pairs(id)).toEqual([
      ['x-low', 'edge_low_a'],
      ['x-high', 'edge_high'],
    ]);
    expect((await r.find(id))!.unmatched).toBe(1);
  });

  it('matches amounts beyond 2^64 exactly at the drift edge, not a cent past it', async () => {
    const e = at('2024-06-01T12:00:00Z');
    // I = 2^70 + 0.01, drift 1%: |E − I| ≤ |I| × 0.01 holds up to E = I × 1.01 exactly.
    const edge = ((2n ** 70n * 100n + 1n) * 101n).toString(); // I × 1.01, in units of 0.0001
    const edgeAmount = `${edge.slice(0, -4)}.${edge.slice(-4)}`;
    const past = (BigInt(edge) + 1n).toString();
    const pastAmount = `${past.slice(0, -4)}.${past.slice(-4)}`;
    await internal([{ id: 'huge_1', amount: HUGE, at: e }]);
    const { id } = await run(
      HEADER +
        `h-exact,${HUGE},USD,r,d,${iso(e)}\n` +
        `h-edge,${edgeAmount},USD,r,d,${iso(e)}\n` +
        `h-past,${pastAmount},USD,r,d,${iso(e)}\n`,
      amountDay('0.01'),
    );
    await stepAll();
    expect(await pairs(id)).toEqual([
      ['h-exact', 'huge_1'],
      ['h-edge', 'huge_1'],
    ]);
    const listed = await ds.query(
      `SELECT amount::text AS amount FROM reconciliation_matches WHERE reconciliation_id = $1
        ORDER BY external_seq`,
      [id],
    );
    expect(listed.map((x: { amount: string }) => x.amount)).toEqual([HUGE, edgeAmount]);
  });

  it('drops rows staged by an upload whose process died, a day later, at the next upload', async () => {
    const stage = (id: string, age: string) =>
      ds.query(
        `INSERT INTO reconciliation_staging
           (staging_id, row_no, external_id, amount, currency, reference, description, date, staged_at)
         VALUES ($1, 1, 'x', 1, 'USD', 'r', 'd', now(), now() - $2::interval)`,
        [id, age],
      );
    await stage('died-yesterday', '25 hours');
    await stage('still-streaming', '1 hour');
    const session = await r.uploads.open();
    await session.abort();
    const left = await ds.query(`SELECT staging_id FROM reconciliation_staging ORDER BY 1`);
    expect(left.map((x: { staging_id: string }) => x.staging_id)).toEqual(['still-streaming']);
    await ds.query(`DELETE FROM reconciliation_staging`);
  });

  it('a batch searched over several connections finds exactly what one connection finds', async () => {
    const e = at('2024-08-01T00:00:00Z');
    // 300 transactions over four days, amounts from a small set: ties in date and amount.
    await internal(
      Array.from({ length: 300 }, (_, i) => ({
        id: `par_${String(i).padStart(3, '0')}`,
        amount: `${10 + (i % 7)}.00`,
        at: e + BigInt((i * 7919) % 345_600) * 1_000_000n,
      })),
    );
    const queries: CandidateQuery[] = Array.from({ length: 4 * MIN_PART + 3 }, (_, k) => {
      const d = e + BigInt(k) * 2_700_000_000n;
      return {
        currency: 'USD',
        bounds: {
          amountLow: `${10 + (k % 7)}.00`,
          amountHigh: `${11 + (k % 7)}.00`,
          dateLowMicros: d - DAY_US,
          dateHighMicros: d + DAY_US,
        },
      };
    });
    const single = new InternalTransactionsPg();
    const ids = (pages: { transactionId: string }[][]) =>
      pages.map((p) => p.map((c) => c.transactionId));
    const alone = ids(await ds.transaction((m) => single.candidates(asTx(m), queries, 5)));
    expect(alone.filter((p) => p.length).length).toBeGreaterThan(queries.length / 2);
    for (const connections of [2, 3]) {
      const settings = new ReconciliationSettings(
        256,
        [],
        30_000,
        1000,
        1000,
        60_000,
        3,
        connections,
      );
      const parallel = new InternalTransactionsPg(ds, settings);
      const pooled = jest.spyOn(ds, 'query');
      try {
        const split = await ds.transaction((m) => parallel.candidates(asTx(m), queries, 5));
        expect(ids(split)).toEqual(alone);
        // PostgreSQL lends the search connections of its own (a transaction's statements go
        // through ds.query too, with their query runner); PGlite has one session, which a
        // second connection would wait on while the transaction waits for it.
        const own = pooled.mock.calls.filter((c) => c[2] === undefined);
        expect(own.length).toBe(kind === 'postgres' ? connections - 1 : 0);
      } finally {
        pooled.mockRestore();
      }
    }
  });

  it('a run stepped while transactions are inserted records every row once', async () => {
    const e = at('2024-07-01T12:00:00Z');
    await internal([{ id: 'live_0', amount: '70.00', at: e }]);
    const rows = Array.from({ length: 8 }, (_, i) => `l-${i},70.00,USD,r,d,${iso(e)}\n`);
    const { id } = await run(HEADER + rows.join(''), amountDay('0'));
    let lease = await r.runner.lease('edges');
    let k = 0;
    while (lease) {
      lease = await r.runner.step(lease, 'edges');
      // An earlier candidate appears between batches: rows not yet decided take it.
      await internal([{ id: `live_${++k}`, amount: '70.00', at: e - BigInt(k) * 1000n }]);
    }
    const done = (await r.find(id))!;
    expect(done.status).toBe('completed');
    expect(done.matched).toBe(8);
    const got = await pairs(id);
    expect(got.map((p: string[]) => p[0])).toEqual(rows.map((_, i) => `l-${i}`));
    // Batches of two: rows 0-1 saw live_0 only, rows 2-3 saw live_1 (the earliest then), ...
    expect(got.map((p: string[]) => p[1])).toEqual([
      'live_0',
      'live_0',
      'live_1',
      'live_1',
      'live_2',
      'live_2',
      'live_3',
      'live_3',
    ]);
  });

  it('a split batch that fails after its search is redone whole by the next lease, each row once', async () => {
    const e = at('2024-09-01T00:00:00Z');
    await internal(
      Array.from({ length: 250 }, (_, i) => ({
        id: `crash_${String(i).padStart(3, '0')}`,
        amount: `${20 + (i % 9)}.00`,
        at: e + BigInt(i) * 600_000_000n,
      })),
    );
    // 200 rows in batches of 100: each batch's search is split on PostgreSQL (one part each).
    const csv =
      HEADER +
      Array.from(
        { length: 200 },
        (_, k) =>
          `c-${k},${20 + (k % 9)}.00,USD,r,d,${iso(e + BigInt(k) * 600_000_000n + (k % 3 === 0 ? 3n * DAY_US : 0n))}\n`,
      ).join('');
    const big = standaloneReconciliation(ds, new ReconciliationSettings(1, [], 5000, 100));
    const started = async () => {
      const session = await big.uploads.open();
      await session.consume(Readable.from([csv]), 's.csv');
      const up = await session.finish(`src-crash-${++n}`);
      const rule = `rule_crash_${n}`;
      await ds.query(
        `INSERT INTO matching_rules (rule_id, name, criteria, created_at, updated_at)
         VALUES ($1, 'crash', $2::jsonb, now(), now())`,
        [rule, JSON.stringify(amountDay('0'))],
      );
      return big.start.start({ uploadId: up.uploadId, strategy: 'one_to_one', ruleIds: [rule] });
    };
    const drive = async (owner: string) => {
      let lease = await big.runner.lease(owner);
      while (lease) lease = await big.runner.step(lease, owner);
    };
    // A clean run first: what the crashed one must end up with.
    const clean = await started();
    await drive('clean');
    // Then one whose second batch dies between its (split) search and its writes.
    const crashed = await started();
    const record = ReconciliationPgRepository.prototype.recordMatches;
    let calls = 0;
    const spy = jest
      .spyOn(ReconciliationPgRepository.prototype, 'recordMatches')
      .mockImplementation(function (this: ReconciliationPgRepository, ...args) {
        if (++calls === 2) return Promise.reject(new Error('process died'));
        return record.apply(this, args);
      });
    try {
      let lease = await big.runner.lease('w1');
      lease = lease && (await big.runner.step(lease, 'w1')); // batch 1 done
      expect(lease && (await big.runner.step(lease, 'w1'))).toBeNull(); // batch 2 dies
    } finally {
      spy.mockRestore();
    }
    await drive('w2');
    const done = (await big.find(crashed))!;
    expect(done.status).toBe('completed');
    expect(done.matched + done.unmatched).toBe(200);
    expect(await pairs(crashed)).toEqual(await pairs(clean));
    expect((await pairs(crashed)).length).toBe(done.matched);
    expect(done.matched).toBeGreaterThan(100);
  });
});
