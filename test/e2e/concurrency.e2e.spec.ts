import { parseBig, startTestApp, TestApp } from '../support/app';
import { checkInvariants } from '../support/invariants';

/**
 * 50 parallel clients, 2,000 random skip_queue transfers (many overdrawing, some reusing a
 * reference) across 20 balances. Afterwards every invariant holds and every answer the clients
 * got agrees with what the database says happened.
 */
describe('concurrent synchronous transfers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('never overdraws, never loses an update, and answers truthfully', async () => {
    const ledger = (await t.http('POST', '/ledgers', { name: 'race' })).json.ledger_id;
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      ids.push(
        (await t.http('POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json.balance_id,
      );
    }
    // Seed each balance from @World so that there is something to move.
    for (const [i, id] of ids.entries()) {
      const r = await t.http('POST', '/transactions', {
        source: '@World',
        destination: id,
        precise_amount: 1000 + i * 50,
        currency: 'USD',
        reference: `seed-${i}`,
        description: 'seed',
        allow_overdraft: true,
        skip_queue: true,
      });
      expect(r.status).toBe(201);
    }

    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const ops = Array.from({ length: 2000 }, (_, i) => {
      const from = rnd(20);
      let to = rnd(20);
      if (to === from) to = (to + 1) % 20;
      // Every 40th operation reuses an earlier reference.
      const reference = i % 40 === 39 ? `op-${i - 20}` : `op-${i}`;
      return { i, from: ids[from], to: ids[to], amount: 1 + rnd(400), reference };
    });

    const outcomes: { op: (typeof ops)[number]; status: number; body: any }[] = [];
    let next = 0;
    const client = async () => {
      while (next < ops.length) {
        const op = ops[next++];
        const r = await t.http('POST', '/transactions', {
          source: op.from,
          destination: op.to,
          precise_amount: op.amount,
          currency: 'USD',
          reference: op.reference,
          description: 'race',
          skip_queue: true,
        });
        outcomes.push({ op, status: r.status, body: r.json });
      }
    };
    await Promise.all(Array.from({ length: 50 }, client));

    expect(outcomes).toHaveLength(2000);
    const statuses = new Map<number, number>();
    for (const o of outcomes) statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
    // Only the three expected answers, and each kind actually occurred.
    expect([...statuses.keys()].sort()).toEqual([201, 400, 409]);

    expect(await checkInvariants(t.ds)).toEqual([]);

    const rows: {
      transaction_id: string;
      reference: string;
      source: string;
      destination: string;
      precise_amount: string;
    }[] = await t.ds.query(
      `SELECT transaction_id, reference, source, destination, precise_amount::text FROM transactions WHERE reference LIKE 'op-%'`,
    );
    const byRef = new Map(rows.map((r) => [r.reference, r]));
    const applied = outcomes.filter((o) => o.status === 201);
    expect(rows).toHaveLength(applied.length);
    for (const o of applied) {
      const row = byRef.get(o.op.reference)!;
      expect(row.transaction_id).toBe(o.body.transaction_id);
      expect(row).toMatchObject({
        source: o.op.from,
        destination: o.op.to,
        precise_amount: String(o.op.amount),
      });
    }
    for (const o of outcomes.filter((x) => x.status === 400)) {
      expect(o.body.error_detail.code).toBe('TXN_INSUFFICIENT_FUNDS');
      // A refused transfer left no row, unless the same reference was applied by another op.
      const row = byRef.get(o.op.reference);
      if (row)
        expect(applied.some((a) => a.op.reference === o.op.reference && a.op.i !== o.op.i)).toBe(
          true,
        );
    }
    for (const o of outcomes.filter((x) => x.status === 409)) {
      expect(o.body.error_detail.code).toBe('TXN_DUPLICATE_REFERENCE');
      expect(byRef.has(o.op.reference)).toBe(true);
    }

    // Each balance's version counts exactly the transactions that touched it.
    for (const id of ids) {
      const b = parseBig((await t.http('GET', `/balances/${id}`)).text);
      const [{ n }] = await t.ds.query(
        `SELECT count(*)::int AS n FROM transactions WHERE source = $1 OR destination = $1`,
        [id],
      );
      expect(b.version).toBe(BigInt(n));
    }
  });
});
