import { startTestApp, TestApp } from '../support/app';
import { checkInvariants, checkQueuedOutcomes } from '../support/invariants';
import { waitFor } from '../support/wait';

// 20,000 operations against PostgreSQL (CI); fewer against embedded PGlite, which serializes all.
const OPS = Number(
  process.env.NERACA_LOAD_OPS ?? (process.env.BLNK_DATA_SOURCE_DNS ? 20000 : 4000),
);
const BALANCES = 1000;
const CLIENTS = 50;

/**
 * 50 clients send a mix of queued transfers (many overdrawing, some from or to one hot balance),
 * queued holds, duplicates, and synchronous commits, voids and refunds of what has been applied,
 * over 1,000 balances. After the queue drains every invariant holds and every accepted request
 * has exactly one outcome.
 */
describe(`queued engine under load (${OPS} operations)`, () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('keeps every invariant and gives every accepted request exactly one outcome', async () => {
    const ledger = (await t.http('POST', '/ledgers', { name: 'load' })).json.ledger_id;
    const ids: string[] = [];
    const batch = Array.from({ length: BALANCES }, () => ({ ledger_id: ledger, currency: 'USD' }));
    for (const body of batch) ids.push((await t.http('POST', '/balances', body)).json.balance_id);
    const hot = (
      await t.http('POST', '/balances', {
        ledger_id: 'general_ledger_id',
        currency: 'USD',
        indicator: '@Fees',
      })
    ).json.balance_id;
    // Seed half the balances in one atomic bulk.
    const seed = await t.http('POST', '/transactions/bulk', {
      skip_queue: true,
      atomic: true,
      transactions: ids.slice(0, BALANCES / 2).map((id, i) => ({
        source: '@World',
        destination: id,
        precise_amount: 5000,
        currency: 'USD',
        reference: `seed-${i}`,
        description: 'seed',
        allow_overdraft: true,
      })),
    });
    expect(seed.status).toBe(201);

    let seedRnd = 7;
    const rnd = (n: number) => {
      seedRnd = (seedRnd * 1103515245 + 12345) % 2147483648;
      return seedRnd % n;
    };
    const accepted: string[] = [];
    const holds: string[] = [];
    const applied: string[] = [];
    const counts = new Map<string, number>();
    const count = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
    let next = 0;
    const client = async () => {
      while (next < OPS) {
        const i = next++;
        const kind = rnd(100);
        const from = ids[rnd(BALANCES)];
        let to = ids[rnd(BALANCES)];
        if (to === from) to = hot;
        const body: Record<string, unknown> = {
          source: kind < 15 ? hot : from,
          destination: kind >= 15 && kind < 30 ? hot : to,
          precise_amount: 1 + rnd(3000),
          currency: 'USD',
          description: 'load',
          reference: kind >= 95 && i > 100 ? `op-${i - 50}` : `op-${i}`,
          allow_overdraft: kind < 15, // the hot balance may go negative, others never
          inflight: kind >= 30 && kind < 45,
        };
        if (body.source === body.destination)
          body.destination = ids[(ids.indexOf(from) + 1) % BALANCES];
        if (kind >= 85 && kind < 95 && (holds.length || applied.length)) {
          // Settlement of earlier work, half through the queue and half now, racing the workers.
          const skip_queue = rnd(2) === 0;
          if (holds.length && kind < 90) {
            const h = holds[rnd(holds.length)];
            const action = rnd(2) ? { status: 'void' } : { status: 'commit', precise_amount: 1 };
            const r = await t.http('PUT', `/transactions/inflight/${h}`, { ...action, skip_queue });
            count(`settle-${r.status}`);
          } else if (applied.length) {
            const r = await t.http('POST', `/refund-transaction/${applied[rnd(applied.length)]}`, {
              skip_queue,
            });
            count(`refund-${r.status}`);
          }
          continue;
        }
        const r = await t.http('POST', '/transactions', body);
        count(`queued-${r.status}`);
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
        } else {
          expect([400, 404, 409]).toContain(r.status);
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    expect(counts.get('queued-201')).toBeGreaterThan(OPS / 2);
    expect(counts.get('queued-409')).toBeGreaterThan(0);
    // Commits, voids and refunds happened, and some were refused as already done.
    expect((counts.get('settle-200') ?? 0) + (counts.get('refund-201') ?? 0)).toBeGreaterThan(0);
    expect((counts.get('settle-409') ?? 0) + (counts.get('refund-409') ?? 0)).toBeGreaterThan(0);

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
    // No hold was ever settled beyond its amount.
    const over: unknown[] = await t.ds.query(`
      SELECT h.transaction_id FROM transactions h JOIN transactions c ON c.parent_transaction = h.transaction_id
      WHERE h.status = 'INFLIGHT' AND c.status IN ('APPLIED', 'VOID')
      GROUP BY h.transaction_id, h.precise_amount HAVING sum(c.precise_amount) > h.precise_amount`);
    expect(over).toEqual([]);
  }, 900000);
});
