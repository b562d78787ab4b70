import fc from 'fast-check';
import { BalanceSnapshotsUseCase } from '../../src/modules/balance/application/balance-history.use-cases';
import { parseBig, startTestApp, TestApp } from '../support/app';
import { checkInvariants } from '../support/invariants';
import { waitFor } from '../support/wait';

/**
 * Property: for random histories of transfers (back-dated or not, queued or not), holds, partial
 * and full commits, voids and refunds, and snapshots taken at random instants in between, the
 * balance at any instant (`GET /balances/:id/at`, with snapshots and with `from_source=true`)
 * equals the replay of the ledger's rows up to it; every snapshot equals the replay at its own
 * time; and at the present the answer is what `GET /balances/:id` shows.
 */

const DAY_US = 86_400_000_000n;

type Op =
  | { kind: 'transfer'; from: number; to: number; amount: number; daysAgo: number | null }
  | { kind: 'queued'; from: number; to: number; amount: number; daysAgo: number | null }
  | { kind: 'hold'; from: number; to: number; amount: number; daysAgo: number | null }
  | { kind: 'commit'; hold: number; amount: number }
  | { kind: 'void'; hold: number }
  | { kind: 'refund'; row: number }
  | { kind: 'snapshot'; daysAgo: number };

const side = fc.integer({ min: 0, max: 2 });
const amount = fc.integer({ min: 1, max: 1000 });
// Whole days plus a random part of one, so rows and snapshots fall on many days and times.
const daysAgo = fc.option(fc.double({ min: 0, max: 9, noNaN: true }), { nil: null });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('transfer' as const), from: side, to: side, amount, daysAgo }),
  fc.record({ kind: fc.constant('queued' as const), from: side, to: side, amount, daysAgo }),
  fc.record({ kind: fc.constant('hold' as const), from: side, to: side, amount, daysAgo }),
  fc.record({ kind: fc.constant('commit' as const), hold: fc.nat(), amount: fc.nat(600) }),
  fc.record({ kind: fc.constant('void' as const), hold: fc.nat() }),
  fc.record({ kind: fc.constant('refund' as const), row: fc.nat() }),
  fc.record({
    kind: fc.constant('snapshot' as const),
    daysAgo: fc.double({ min: 0, max: 9, noNaN: true }),
  }),
);

/** Microseconds since the epoch as RFC 3339 with six fraction digits. */
function isoMicros(us: bigint): string {
  const ms = us / 1000n;
  const base = new Date(Number(ms)).toISOString().slice(0, 19);
  const frac = (us % 1_000_000n).toString().padStart(6, '0');
  return `${base}.${frac}Z`;
}

describe('historical balance = replay of the rows (property)', () => {
  let t: TestApp;
  let ledger: string;
  let run = 0;
  beforeAll(async () => {
    t = await startTestApp();
    ledger = (await t.http('POST', '/ledgers', { name: 'property' })).json.ledger_id;
  });
  afterAll(async () => {
    expect(await checkInvariants(t.ds)).toEqual([]);
    await t.close();
  });

  const post = async (path: string, body: Record<string, unknown>) =>
    t.http('POST', path, { currency: 'USD', description: 'p', ...body });

  async function play(ops: Op[]): Promise<string[]> {
    run += 1;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (await t.http('POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json.balance_id,
      );
    }
    const holds: string[] = [];
    const applied: string[] = [];
    const nowMs = Date.now();
    const dated = (d: number | null) =>
      d === null ? {} : { effective_date: new Date(nowMs - d * 86_400_000).toISOString() };
    let n = 0;
    for (const o of ops) {
      const reference = `p${run}-${n++}`;
      if (o.kind === 'transfer' || o.kind === 'queued' || o.kind === 'hold') {
        if (o.from === o.to) continue;
        const r = await post('/transactions', {
          source: ids[o.from],
          destination: ids[o.to],
          precise_amount: o.amount,
          reference,
          allow_overdraft: true,
          skip_queue: o.kind !== 'queued',
          inflight: o.kind === 'hold',
          ...dated(o.daysAgo),
        });
        expect(r.status).toBe(201);
        if (o.kind === 'hold') holds.push(r.json.transaction_id);
        if (o.kind === 'transfer') applied.push(r.json.transaction_id);
      } else if (o.kind === 'commit' || o.kind === 'void') {
        if (!holds.length) continue;
        const id = holds[o.hold % holds.length];
        const r = await t.http('PUT', `/transactions/inflight/${id}`, {
          status: o.kind,
          skip_queue: true,
          ...(o.kind === 'commit' ? { precise_amount: o.amount } : {}),
        });
        // Refusals (already settled, more than remains) are part of the history too.
        expect([200, 400, 409]).toContain(r.status);
      } else if (o.kind === 'refund') {
        if (!applied.length) continue;
        const r = await t.http('POST', `/refund-transaction/${applied[o.row % applied.length]}`, {
          skip_queue: true,
        });
        expect([201, 409]).toContain(r.status);
      } else {
        await t.app.get(BalanceSnapshotsUseCase).run(2, new Date(nowMs - o.daysAgo * 86_400_000));
      }
    }
    await waitFor(async () => {
      const [w] = await t.ds.query(`SELECT count(*)::int AS n FROM queued_work`);
      return w.n === 0 ? true : undefined;
    });
    return ids;
  }

  async function check(ids: string[]): Promise<void> {
    const rows = (await t.ds.query(
      `SELECT source, destination, precise_amount::text AS amount,
              ((extract(epoch FROM COALESCE(effective_date, created_at)) * 1000000)::bigint)::text AS us
         FROM transactions
        WHERE status = 'APPLIED' AND (source = ANY($1) OR destination = ANY($1))`,
      [ids],
    )) as { source: string; destination: string; amount: string; us: string }[];
    const replay = (id: string, us: bigint) => {
      let credit = 0n;
      let debit = 0n;
      for (const r of rows) {
        if (BigInt(r.us) > us) continue;
        if (r.destination === id) credit += BigInt(r.amount);
        if (r.source === id) debit += BigInt(r.amount);
      }
      return { balance: credit - debit, credit_balance: credit, debit_balance: debit };
    };
    const snaps = (await t.ds.query(
      `SELECT balance_id, credit_balance::text AS credit, debit_balance::text AS debit,
              ((extract(epoch FROM snapshot_time) * 1000000)::bigint)::text AS us
         FROM balance_snapshots WHERE balance_id = ANY($1)`,
      [ids],
    )) as { balance_id: string; credit: string; debit: string; us: string }[];
    for (const s of snaps) {
      const want = replay(s.balance_id, BigInt(s.us));
      expect([BigInt(s.credit), BigInt(s.debit)]).toEqual([
        want.credit_balance,
        want.debit_balance,
      ]);
    }
    const nowUs = BigInt(Date.now()) * 1000n;
    const instants = new Set<bigint>([nowUs, nowUs - 10n * DAY_US]);
    for (const x of [...rows.map((r) => BigInt(r.us)), ...snaps.map((s) => BigInt(s.us))]) {
      instants.add(x);
      instants.add(x - 1n);
      instants.add(x + 1n);
    }
    for (const id of ids) {
      for (const us of instants) {
        const want = replay(id, us);
        const ts = encodeURIComponent(isoMicros(us));
        for (const fromSource of ['', '&from_source=true']) {
          const r = await t.http('GET', `/balances/${id}/at?timestamp=${ts}${fromSource}`);
          expect(r.status).toBe(200);
          expect(parseBig(r.text).balance).toEqual({ ...want, currency: 'USD', balance_id: id });
        }
      }
      // The present: what the balance shows (no row of these histories is dated ahead).
      const live = parseBig((await t.http('GET', `/balances/${id}`)).text);
      const now = parseBig((await t.http('GET', `/balances/${id}/at`)).text).balance;
      expect([now.credit_balance, now.debit_balance]).toEqual([
        live.credit_balance,
        live.debit_balance,
      ]);
    }
  }

  it('holds for random histories', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 18 }), async (ops) => {
        await check(await play(ops));
      }),
      { numRuns: 12 },
    );
  }, 300_000);
});
