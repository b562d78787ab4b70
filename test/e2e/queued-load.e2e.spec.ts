import { laneOf } from '../../src/modules/transaction/domain/lane';
import { QueueSettings } from '../../src/modules/transaction/application/queued/queue-settings';
import { HttpResult, startTestApp, TestApp } from '../support/app';
import { checkInvariants, checkQueuedOutcomes } from '../support/invariants';
import { waitFor } from '../support/wait';

// 20,000 operations against PostgreSQL (CI); fewer against embedded PGlite, which serializes all.
const OPS = Number(
  process.env.NERACA_LOAD_OPS ?? (process.env.BLNK_DATA_SOURCE_DNS ? 20000 : 4000),
);
const BALANCES = 1000;
const CLIENTS = 50;
const LANES = 8;
/** Fresh balances funded by a queued credit and at once spent by a queued debit. */
const FUND_THEN_SPEND = Math.ceil(OPS / 40);
/** Dedicated pairs for a split whose second source is then debited again. */
const SPLIT_SETS = Math.ceil(OPS / 200);

/**
 * 50 clients send a mix of queued transfers (many overdrawing, some from or to one hot balance),
 * queued holds, duplicates, multi-source splits, credits that are spent at once from another
 * lane, and synchronous or queued commits, voids and refunds of what has been applied, over
 * 1,000 balances. Every response has a status the request may get (a 500 fails the test); after
 * the queue drains every invariant holds, every accepted request has exactly one outcome, and the
 * acceptance order of each balance was kept across lanes.
 */
describe(`queued engine under load (${OPS} operations)`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ queueSettings: new QueueSettings(LANES, 500, 100000, 500) });
  });
  afterAll(() => t.close());

  it('keeps every invariant and gives every accepted request exactly one outcome', async () => {
    const counts = new Map<string, number>();
    const unexpected: string[] = [];
    /** Counts a response by kind and status; any status not listed for the kind is a failure. */
    const check = (kind: string, r: HttpResult, allowed: number[]): HttpResult => {
      counts.set(`${kind}-${r.status}`, (counts.get(`${kind}-${r.status}`) ?? 0) + 1);
      if (!allowed.includes(r.status) && unexpected.length < 20)
        unexpected.push(`${kind}: ${r.status} ${r.text.slice(0, 300)}`);
      return r;
    };
    const created = async (kind: string, path: string, body: unknown) =>
      check(kind, await t.http('POST', path, body), [201]).json;

    const ledger = (await created('ledger', '/ledgers', { name: 'load' })).ledger_id;
    const balance = async () =>
      (await created('balance', '/balances', { ledger_id: ledger, currency: 'USD' }))
        .balance_id as string;
    /** `n` new balances, created 25 at a time. */
    const balances = async (n: number) => {
      const out: string[] = [];
      while (out.length < n)
        out.push(
          ...(await Promise.all(Array.from({ length: Math.min(25, n - out.length) }, balance))),
        );
      return out;
    };
    const ids = await balances(BALANCES);
    const indicator = async (name: string) =>
      (
        await created('balance', '/balances', {
          ledger_id: 'general_ledger_id',
          currency: 'USD',
          indicator: name,
        })
      ).balance_id as string;
    const hot = await indicator('@Fees');
    // Where fund-then-spend credits come from, like @World; never in the lane of what it funds.
    const world = await indicator('@LoadWorld');
    const fresh = (await balances(Math.ceil(FUND_THEN_SPEND * 1.5)))
      .filter((id) => laneOf(id, LANES) !== laneOf(world, LANES))
      .slice(0, FUND_THEN_SPEND);
    // Pairs of sources in different lanes, and where their split goes.
    const spare = await balances(SPLIT_SETS * 4);
    const splitSets: { a: string; b: string; z: string }[] = [];
    while (splitSets.length < SPLIT_SETS) {
      const a = spare.pop()!;
      const b = spare.find((id) => laneOf(id, LANES) !== laneOf(a, LANES))!;
      spare.splice(spare.indexOf(b), 1);
      splitSets.push({ a, b, z: spare.pop()! });
    }
    expect([fresh.length, splitSets.length]).toEqual([FUND_THEN_SPEND, SPLIT_SETS]);
    // Seed half the pool and every split source in one atomic bulk.
    const seedTo = [
      ...ids.slice(0, BALANCES / 2).map((id) => [id, 5000] as const),
      ...splitSets.flatMap((s) => [[s.a, 100] as const, [s.b, 100] as const]),
    ];
    check(
      'seed',
      await t.http('POST', '/transactions/bulk', {
        skip_queue: true,
        atomic: true,
        transactions: seedTo.map(([id, amount], i) => ({
          source: '@World',
          destination: id,
          precise_amount: amount,
          currency: 'USD',
          reference: `seed-${i}`,
          description: 'seed',
          allow_overdraft: true,
        })),
      }),
      [201],
    );
    expect(unexpected).toEqual([]);

    let seedRnd = 7;
    const rnd = (n: number) => {
      seedRnd = (seedRnd * 1103515245 + 12345) % 2147483648;
      // The high bits: the low bits of this generator repeat with a short period.
      return (seedRnd >>> 12) % n;
    };
    const queue = (kind: string, body: Record<string, unknown>, allowed = [201]) =>
      t
        .http('POST', '/transactions', { currency: 'USD', description: 'load', ...body })
        .then((r) => check(kind, r, allowed));
    const accepted: string[] = [];
    const holds: string[] = [];
    const applied: string[] = [];
    /** Queued debits of a balance that a queued credit accepted just before had funded. */
    const spends: string[] = [];
    /** Splits of a dedicated pair, each followed by a debit of its second source. */
    const orderedSplits: { split: string; after: string }[] = [];
    let next = 0;
    const client = async () => {
      while (next < OPS) {
        const i = next++;
        const kind = rnd(100);
        const from = ids[rnd(BALANCES)];
        let to = ids[rnd(BALANCES)];
        if (to === from) to = hot;
        if (kind >= 45 && kind < 51 && fresh.length) {
          // Fund, then spend at once: the debit's lane differs from the credit's, and it must
          // still see the credit (it is applied after it, as it was accepted after it).
          const x = fresh.pop()!;
          const amount = 1 + rnd(500);
          const credit = await queue('fund', {
            source: world,
            destination: x,
            precise_amount: amount,
            reference: `fund-${i}`,
            allow_overdraft: true,
          });
          if (credit.status !== 201) continue;
          const spend = await queue('spend', {
            source: x,
            destination: to,
            precise_amount: amount,
            reference: `spend-${i}`,
          });
          if (spend.status === 201) spends.push(spend.json.transaction_id);
          continue;
        }
        if (kind >= 51 && kind < 57) {
          // A split from two pool balances, then a single debit from its second source.
          let other = ids[rnd(BALANCES)];
          if (other === from || other === to) other = ids[(ids.indexOf(from) + 2) % BALANCES];
          if (other === to) to = hot;
          await queue('split', {
            sources: [
              { identifier: from, distribution: '50%' },
              { identifier: other, distribution: '50%' },
            ],
            destination: to,
            precise_amount: 2 * (1 + rnd(1500)),
            reference: `split-${i}`,
          });
          await queue('split-then', {
            source: other,
            destination: to === hot ? from : hot,
            precise_amount: 1 + rnd(3000),
            reference: `split-then-${i}`,
          });
          continue;
        }
        if (kind >= 57 && kind < 59 && splitSets.length) {
          // The split takes all of b; b's later debit must find nothing left, whichever lane
          // each of them runs in.
          const s = splitSets.pop()!;
          const split = await queue('pair-split', {
            sources: [
              { identifier: s.a, distribution: '50%' },
              { identifier: s.b, distribution: '50%' },
            ],
            destination: s.z,
            precise_amount: 200,
            reference: `pair-${i}`,
          });
          const after = await queue('pair-then', {
            source: s.b,
            destination: s.z,
            precise_amount: 100,
            reference: `pair-then-${i}`,
          });
          if (split.status === 201 && after.status === 201)
            orderedSplits.push({
              split: split.json.transaction_id,
              after: after.json.transaction_id,
            });
          continue;
        }
        const body: Record<string, unknown> = {
          source: kind < 15 ? hot : from,
          destination: kind >= 15 && kind < 30 ? hot : to,
          precise_amount: 1 + rnd(3000),
          reference: kind >= 95 && i > 100 ? `op-${i - 50}` : `op-${i}`,
          allow_overdraft: kind < 15, // the hot balance may go negative, others never
          inflight: kind >= 30 && kind < 45,
        };
        if (body.source === body.destination)
          body.destination = ids[(ids.indexOf(from) + 1) % BALANCES];
        if (kind >= 85 && kind < 95 && (holds.length || applied.length)) {
          // Settlement of earlier work, half through the queue and half now, racing the workers.
          // A hold already settled or over-committed is refused (400 or 409), never a 5xx.
          const skip_queue = rnd(2) === 0;
          if (holds.length && kind < 90) {
            const h = holds[rnd(holds.length)];
            const action = rnd(2) ? { status: 'void' } : { status: 'commit', precise_amount: 1 };
            check(
              'settle',
              await t.http('PUT', `/transactions/inflight/${h}`, { ...action, skip_queue }),
              [200, 400, 409],
            );
          } else if (applied.length) {
            check(
              'refund',
              await t.http('POST', `/refund-transaction/${applied[rnd(applied.length)]}`, {
                skip_queue,
              }),
              [201, 409],
            );
          }
          continue;
        }
        // A duplicate reference is refused with 409; nothing else may go wrong at acceptance.
        const r = await queue('queued', body, [201, 409]);
        if (r.status === 201) {
          accepted.push(r.json.transaction_id);
          if (accepted.length % 20 === 0) {
            // Learn what has been applied so far, for commits, voids and refunds.
            const rows = await t.ds.query(
              `SELECT transaction_id, status FROM transactions WHERE reference LIKE 'op-%\\_q' AND status IN ('APPLIED','INFLIGHT') ORDER BY id DESC LIMIT 20`,
            );
            for (const row of rows)
              (row.status === 'INFLIGHT' ? holds : applied).push(row.transaction_id);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    expect(unexpected).toEqual([]);
    expect(counts.get('queued-201')).toBeGreaterThan(OPS / 2);
    expect(counts.get('queued-409')).toBeGreaterThan(0);
    // Commits, voids and refunds happened, and some were refused as already done.
    expect((counts.get('settle-200') ?? 0) + (counts.get('refund-201') ?? 0)).toBeGreaterThan(0);
    expect((counts.get('settle-409') ?? 0) + (counts.get('refund-409') ?? 0)).toBeGreaterThan(0);
    expect(counts.get('split-201')).toBeGreaterThan(0);
    expect([fresh.length, splitSets.length]).toEqual([0, 0]);

    await waitFor(
      async () => {
        const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM queued_work`);
        return n === 0 ? true : undefined;
      },
      300000,
      'the queue to drain',
    );

    expect(await checkQueuedOutcomes(t.ds)).toEqual([]);
    expect(await checkInvariants(t.ds)).toEqual([]);
    const outcomes: { status: string; n: number }[] = await t.ds.query(
      `SELECT status, count(*)::int AS n FROM transactions WHERE reference LIKE 'op-%\\_q' GROUP BY status`,
    );
    const by = Object.fromEntries(outcomes.map((o) => [o.status, o.n]));
    // Some were refused for funds, many applied, some held.
    expect(by.REJECTED).toBeGreaterThan(0);
    expect(by.APPLIED).toBeGreaterThan(0);
    expect(by.INFLIGHT).toBeGreaterThan(0);
    expect(by.REJECTED + by.APPLIED + by.INFLIGHT).toBe(accepted.length);

    // Every spend found the credit accepted before it.
    const spent: { outcome_of: string; status: string; reason: string | null }[] = await t.ds.query(
      `SELECT outcome_of, status, rejection_reason AS reason FROM transactions
         WHERE outcome_of = ANY($1::text[])`,
      [spends],
    );
    expect(spent).toHaveLength(spends.length);
    expect(spent.filter((s) => s.status !== 'APPLIED')).toEqual([]);

    // Each dedicated split was applied whole, and the debit accepted after it found b empty.
    const pairs: { parent: string; status: string }[] = await t.ds.query(
      `SELECT queued_parent AS parent, status FROM transactions
       WHERE outcome_of IS NOT NULL AND queued_parent = ANY($1::text[])`,
      [orderedSplits.flatMap((p) => [p.split, p.after])],
    );
    const statusOf = (id: string) =>
      pairs
        .filter((p) => p.parent === id)
        .map((p) => p.status)
        .join(',');
    expect(orderedSplits.length).toBe(SPLIT_SETS);
    expect(orderedSplits.map((p) => `${statusOf(p.split)} then ${statusOf(p.after)}`)).toEqual(
      orderedSplits.map(() => 'APPLIED,APPLIED then REJECTED'),
    );
  }, 900000);
});
