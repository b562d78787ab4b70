import fc from 'fast-check';
import { parseBig, startTestApp, TestApp } from '../support/app';
import { checkInvariants } from '../support/invariants';
import { waitFor } from '../support/wait';
import { shadowMismatches, shadowsCaughtUp } from '../support/lineage-shadows';

type Strategy = 'FIFO' | 'LIFO' | 'PROPORTIONAL';
interface Position {
  provider: string;
  received: bigint;
  spent: bigint;
}

/**
 * The allocation rule, written again from its definition as a test oracle: FIFO / LIFO take the
 * oldest / newest provider first; PROPORTIONAL gives floor(amount × free / total) each and the
 * units left over to the largest remainders (the older provider among equals).
 */
function allocate(positions: Position[], amount: bigint, strategy: Strategy) {
  const free = positions
    .map((p, seq) => ({ p, seq, free: p.received - p.spent }))
    .filter((f) => f.free > 0n);
  const out: { provider: string; amount: bigint }[] = [];
  if (strategy === 'PROPORTIONAL') {
    const total = free.reduce((s, f) => s + f.free, 0n);
    if (total === 0n) return out;
    const eff = amount < total ? amount : total;
    const shares = free.map((f) => ({
      ...f,
      base: (eff * f.free) / total,
      rem: (eff * f.free) % total,
    }));
    let left = eff - shares.reduce((s, f) => s + f.base, 0n);
    const byRem = [...shares].sort((a, b) =>
      a.rem === b.rem ? a.seq - b.seq : a.rem > b.rem ? -1 : 1,
    );
    for (const s of byRem) {
      if (left === 0n) break;
      s.base += 1n;
      left -= 1n;
    }
    for (const s of shares) if (s.base > 0n) out.push({ provider: s.p.provider, amount: s.base });
  } else {
    if (strategy === 'LIFO') free.reverse();
    let left = amount;
    for (const f of free) {
      if (left === 0n) break;
      const take = f.free < left ? f.free : left;
      out.push({ provider: f.p.provider, amount: take });
      left -= take;
    }
  }
  for (const a of out) positions.find((p) => p.provider === a.provider)!.spent += a.amount;
  return out;
}

/**
 * Property (issue 14): for random tagged and untagged credits followed by concurrent spends
 * through the real engine (some refused for funds, some to another tracked balance), per provider
 * Σ available = Σ received − Σ spent, every allocation is exactly what the rule gives in the
 * order the balance applied the rows, and no minor unit is made or lost.
 */
describe('fund lineage property: exact allocation under concurrent spending', () => {
  let t: TestApp;
  let ledger: string;
  let identity: string;
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp();
    ledger = (await t.http('POST', '/ledgers', { name: 'lineage-prop' })).json.ledger_id;
    identity = (await t.http('POST', '/identities', { first_name: 'Grace' })).json.identity_id;
  });
  afterAll(async () => {
    expect(await checkInvariants(t.ds)).toEqual([]);
    await t.close();
  });

  const balance = async (extra: Record<string, unknown>) => {
    const r = await t.http('POST', '/balances', { ledger_id: ledger, currency: 'USD', ...extra });
    expect(r.status).toBe(201);
    return r.json.balance_id as string;
  };
  const transfer = (body: Record<string, unknown>) =>
    t.http('POST', '/transactions', {
      skip_queue: true,
      currency: 'USD',
      description: 'prop',
      reference: `prop-${++n}`,
      ...body,
    });
  const positionsOf = async (id: string) => {
    const body = parseBig((await t.http('GET', `/balances/${id}/lineage`)).text);
    return Object.fromEntries(
      body.providers.map((p: Record<string, bigint>) => [p.provider, p]),
    ) as Record<string, Record<string, bigint>>;
  };

  const provider = fc.constantFrom('stripe', 'paypal', 'wise', undefined);
  const amount = fc.bigInt({ min: 1n, max: 10n ** 20n });
  const scenario = fc.record({
    strategy: fc.constantFrom<Strategy>('FIFO', 'LIFO', 'PROPORTIONAL'),
    credits: fc.array(fc.record({ provider, amount }), { minLength: 1, maxLength: 8 }),
    spends: fc.array(
      fc.record({
        toTracked: fc.boolean(),
        queued: fc.boolean(),
        fraction: fc.integer({ min: 1, max: 60 }),
      }),
      { minLength: 1, maxLength: 12 },
    ),
  });

  it('Σ available = Σ received − Σ spent per provider, allocations exact', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ strategy, credits, spends }) => {
        const a = await balance({
          identity_id: identity,
          track_fund_lineage: true,
          allocation_strategy: strategy,
        });
        const b = await balance({ identity_id: identity, track_fund_lineage: true });
        const sink = await balance({});
        const tags = new Map<string, string | undefined>();
        let funded = 0n;
        for (const c of credits) {
          const r = await transfer({
            source: '@World',
            destination: a,
            precise_amount: c.amount.toString(),
            allow_overdraft: true,
            ...(c.provider ? { meta_data: { BLNK_LINEAGE_PROVIDER: c.provider } } : {}),
          });
          expect(r.status).toBe(201);
          tags.set(r.json.transaction_id, c.provider);
          funded += c.amount;
        }
        // All spends at once: each asks for a share of the funds, together up to ~3× of them,
        // so some are refused and the rest race for the same providers.
        const results = await Promise.all(
          spends.map((s) =>
            transfer({
              source: a,
              destination: s.toTracked ? b : sink,
              // Queued spends are applied by the workers, in batches that share a statement.
              skip_queue: !s.queued,
              precise_amount: ((funded * BigInt(s.fraction)) / 240n + 1n).toString(),
            }),
          ),
        );
        for (const r of results) expect([201, 400]).toContain(r.status);
        const queuedIds = results
          .filter((r) => r.status === 201 && r.json.status === 'QUEUED')
          .map((r) => r.json.transaction_id as string);
        await waitFor(async () => {
          const [{ n: done }] = await t.ds.query(
            `SELECT count(*)::int AS n FROM transactions WHERE outcome_of = ANY($1)`,
            [queuedIds],
          );
          return done === queuedIds.length ? true : undefined;
        });

        // Replay in the order the balance applied its rows (row ids follow its lock order).
        const rows: {
          transaction_id: string;
          source: string;
          destination: string;
          precise_amount: string;
        }[] = await t.ds.query(
          `SELECT transaction_id, source, destination, precise_amount::text FROM transactions
             WHERE (source = $1 OR destination = $1) AND status = 'APPLIED' ORDER BY id`,
          [a],
        );
        const model: Position[] = [];
        const toB = new Map<string, bigint>();
        const spent = new Map<string, bigint>();
        for (const row of rows) {
          const x = BigInt(row.precise_amount);
          if (row.source !== a) {
            const p = tags.get(row.transaction_id);
            if (!p) continue;
            let pos = model.find((m) => m.provider === p);
            if (!pos) model.push((pos = { provider: p, received: 0n, spent: 0n }));
            pos.received += x;
            continue;
          }
          const expected = allocate(model, x, strategy);
          const got = parseBig(
            (await t.http('GET', `/transactions/${row.transaction_id}/lineage`)).text,
          );
          expect(got.fund_allocation ?? []).toEqual(expected);
          for (const e of expected) {
            const into = row.destination === b ? toB : spent;
            into.set(e.provider, (into.get(e.provider) ?? 0n) + e.amount);
          }
        }

        const ofA = await positionsOf(a);
        const ofB = await positionsOf(b);
        for (const m of model) {
          const received = credits
            .filter((c) => c.provider === m.provider)
            .reduce((s, c) => s + c.amount, 0n);
          const outside = spent.get(m.provider) ?? 0n;
          // Per provider, across the tracked balances: what is available is what came in from
          // outside minus what left to an untracked balance.
          const available = (ofA[m.provider]?.available ?? 0n) + (ofB[m.provider]?.available ?? 0n);
          expect(available).toBe(received - outside);
          expect(ofA[m.provider]).toMatchObject({
            amount: m.received,
            spent: m.spent,
            available: m.received - m.spent,
            held: 0n,
          });
          expect(ofB[m.provider]?.amount ?? 0n).toBe(toB.get(m.provider) ?? 0n);
        }
        expect(Object.keys(ofA).sort()).toEqual(model.map((m) => m.provider).sort());
        // Tagged money never exceeds the balance it sits in (no overdraft here).
        const bal = parseBig((await t.http('GET', `/balances/${a}`)).text).balance as bigint;
        const tracked = Object.values(ofA).reduce((s, p) => s + p.available, 0n);
        expect(tracked <= bal).toBe(true);

        // Once the projection has caught up, each provider's shadow balance (read over HTTP by
        // the id the breakdown names) has debits = amount and credits = spent.
        await shadowsCaughtUp(t.ds);
        for (const [id, before] of [
          [a, ofA],
          [b, ofB],
        ] as const) {
          const body = parseBig((await t.http('GET', `/balances/${id}/lineage`)).text);
          for (const p of body.providers) {
            const { amount, spent, available, held } = before[p.provider];
            expect(p).toMatchObject({ amount, spent, available, held });
            const shadow = parseBig((await t.http('GET', `/balances/${p.shadow_balance_id}`)).text);
            expect([shadow.debit_balance, shadow.credit_balance]).toEqual([p.amount, p.spent]);
          }
          if (body.providers.length) {
            const agg = parseBig(
              (await t.http('GET', `/balances/${body.aggregate_balance_id}`)).text,
            );
            expect(agg.balance).toBe(body.total_with_lineage);
          }
        }
        expect(await shadowMismatches(t.ds)).toEqual([]);
      }),
      { numRuns: 8, endOnFailure: true },
    );
  });
});
