import { DataSource } from 'typeorm';
import { BACKENDS, createTestDatabase, openDataSource, TestDatabase } from '../support/database';
import { checkInvariants, checkQueuedOutcomes, SqlRunner } from '../support/invariants';

/**
 * The invariant checks must be able to fail: each case builds a ledger the way the engine writes
 * it (rows and the balance fields they move, in SQL), corrupts one thing on purpose, and expects
 * the check for that thing to name it. Rows of `transactions` cannot be changed or deleted, so
 * every case runs in a database transaction that is rolled back: the cases cannot see each other.
 */

interface RowSpec {
  id?: string;
  source: string;
  destination: string;
  amount: bigint;
  status: 'QUEUED' | 'SCHEDULED' | 'APPLIED' | 'INFLIGHT' | 'VOID' | 'REJECTED';
  currency?: string;
  precision?: bigint;
  reference?: string;
  parent?: string;
  metaData?: Record<string, unknown>;
  allowOverdraft?: boolean;
  /** Major units, as the column keeps it. */
  overdraftLimit?: string;
  inflight?: boolean;
  queuedParent?: string;
  outcomeOf?: string;
  refundOf?: string;
  settles?: string;
}

/** Writes ledger rows and moves balance fields exactly as the engine does, one step at a time. */
class Ledger {
  private n = 0;
  readonly rows = new Map<string, RowSpec & { reference: string }>();
  constructor(readonly q: SqlRunner) {}

  private next(prefix: string): string {
    // Zero-padded, so that the checks' ORDER BY id is the order of creation.
    return `${prefix}_${String(++this.n).padStart(4, '0')}`;
  }

  async balance(currency = 'USD'): Promise<string> {
    const id = this.next('bln');
    await this.q.query(
      `INSERT INTO balances (balance_id, ledger_id, currency) VALUES ($1, 'general_ledger_id', $2)`,
      [id, currency],
    );
    return id;
  }

  /** Appends one row (the reference-claims trigger claims its reference). */
  async row(r: RowSpec): Promise<string> {
    const id = r.id ?? this.next('txn');
    const reference = r.reference ?? `ref-${id}`;
    await this.q.query(
      `INSERT INTO transactions (transaction_id, parent_transaction, source, destination, reference,
         amount, precise_amount, precision, currency, description, status, hash, meta_data,
         allow_overdraft, overdraft_limit, inflight, queued_parent, outcome_of, refund_of, settles)
       VALUES ($1, $2, $3, $4, $5, $6::numeric / $7::numeric, $6, $7, $8, 'invariants', $9, 'h',
         $10::jsonb, $11, $12, $13, $14, $15, $16, $17)`,
      [
        id,
        r.parent ?? '',
        r.source,
        r.destination,
        reference,
        r.amount.toString(),
        (r.precision ?? 100n).toString(),
        r.currency ?? 'USD',
        r.status,
        r.metaData ? JSON.stringify(r.metaData) : null,
        r.allowOverdraft ?? false,
        r.overdraftLimit ?? '0',
        r.inflight ?? false,
        r.queuedParent ?? null,
        r.outcomeOf ?? null,
        r.refundOf ?? null,
        r.settles ?? null,
      ],
    );
    this.rows.set(id, { ...r, id, reference });
    return id;
  }

  /** Settled fields: the source is debited, the destination credited. */
  async settle(source: string, destination: string, amount: bigint): Promise<void> {
    await this.q.query(
      `UPDATE balances SET debit_balance = debit_balance + $2, balance = balance - $2 WHERE balance_id = $1`,
      [source, amount.toString()],
    );
    await this.q.query(
      `UPDATE balances SET credit_balance = credit_balance + $2, balance = balance + $2 WHERE balance_id = $1`,
      [destination, amount.toString()],
    );
  }

  /** Inflight fields: a hold adds `amount`, a release (commit or void) takes it away again. */
  async inflight(source: string, destination: string, amount: bigint): Promise<void> {
    await this.q.query(
      `UPDATE balances SET inflight_debit_balance = inflight_debit_balance + $2,
         inflight_balance = inflight_balance - $2 WHERE balance_id = $1`,
      [source, amount.toString()],
    );
    await this.q.query(
      `UPDATE balances SET inflight_credit_balance = inflight_credit_balance + $2,
         inflight_balance = inflight_balance + $2 WHERE balance_id = $1`,
      [destination, amount.toString()],
    );
  }

  async transfer(
    source: string,
    destination: string,
    amount: bigint,
    extra: Partial<RowSpec> = {},
  ): Promise<string> {
    const id = await this.row({ source, destination, amount, status: 'APPLIED', ...extra });
    await this.settle(source, destination, amount);
    return id;
  }

  /** Money from a @World-like balance, which may overdraw. */
  async fund(world: string, to: string, amount: bigint): Promise<string> {
    return this.transfer(world, to, amount, { allowOverdraft: true });
  }

  async hold(
    source: string,
    destination: string,
    amount: bigint,
    extra: Partial<RowSpec> = {},
  ): Promise<string> {
    const id = await this.row({
      source,
      destination,
      amount,
      status: 'INFLIGHT',
      inflight: true,
      ...extra,
    });
    await this.inflight(source, destination, amount);
    return id;
  }

  async commit(hold: string, amount: bigint): Promise<string> {
    const h = this.rows.get(hold)!;
    const id = await this.row({
      source: h.source,
      destination: h.destination,
      amount,
      status: 'APPLIED',
      parent: hold,
      settles: hold,
    });
    await this.inflight(h.source, h.destination, -amount);
    await this.settle(h.source, h.destination, amount);
    return id;
  }

  async void(hold: string, amount: bigint): Promise<string> {
    const h = this.rows.get(hold)!;
    const id = await this.row({
      source: h.source,
      destination: h.destination,
      amount,
      status: 'VOID',
      parent: hold,
      settles: hold,
    });
    await this.inflight(h.source, h.destination, -amount);
    return id;
  }

  /** A synchronous refund: sides swapped, same amount, overdraft allowed. */
  async refund(target: string, amount?: bigint): Promise<string> {
    const t = this.rows.get(target)!;
    const a = amount ?? t.amount;
    const id = await this.row({
      source: t.destination,
      destination: t.source,
      amount: a,
      status: 'APPLIED',
      parent: target,
      refundOf: target,
      allowOverdraft: true,
    });
    await this.settle(t.destination, t.source, a);
    return id;
  }

  /** An accepted queued request: its QUEUED row (which also claims `<reference>_q`). */
  async queued(spec: Omit<RowSpec, 'status'>): Promise<string> {
    const id = this.next('txn');
    return this.row({ ...spec, id, status: 'QUEUED', queuedParent: id });
  }

  /** A worker's outcome of a queued row: `<reference>_q`, with the queued row's columns. */
  async outcome(queued: string, status: 'APPLIED' | 'INFLIGHT' | 'REJECTED'): Promise<string> {
    const q = this.rows.get(queued)!;
    const id = await this.row({
      ...q,
      id: undefined,
      reference: `${q.reference}_q`,
      status,
      parent: queued,
      outcomeOf: queued,
    });
    if (status === 'APPLIED') await this.settle(q.source, q.destination, q.amount);
    if (status === 'INFLIGHT') await this.inflight(q.source, q.destination, q.amount);
    return id;
  }

  /** A pending work item of the queued engine. */
  async work(kind: 'transaction' | 'commit' | 'void', transactionId: string): Promise<string> {
    const id = this.next('work');
    await this.q.query(
      `INSERT INTO queued_work (work_id, kind, transaction_id, group_id, lane, run_at)
       VALUES ($1, $2, $3, $3, 0, now())`,
      [id, kind, transactionId],
    );
    return id;
  }

  /** A balance field moved by the back door: no row explains it (the CHECK still holds). */
  async bump(balance: string, field: 'credit_balance' | 'debit_balance', by: bigint) {
    const sign = field === 'credit_balance' ? '+' : '-';
    await this.q.query(
      `UPDATE balances SET ${field} = ${field} + $2, balance = balance ${sign} $2 WHERE balance_id = $1`,
      [balance, by.toString()],
    );
  }
}

describe.each(BACKENDS)('invariant checks on %s', (kind) => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    ds = await openDataSource(db);
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  /** Runs `build` in a transaction that is rolled back, and returns what both checks say. */
  const scratch = async (build: (l: Ledger) => Promise<void>): Promise<string[]> => {
    const runner = ds.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      const l = new Ledger(runner);
      await build(l);
      return [...(await checkInvariants(runner)), ...(await checkQueuedOutcomes(runner))];
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  };

  /** A funded balance and a @World to fund it from. */
  const funded = async (l: Ledger, amount = 1000n) => {
    const world = await l.balance();
    const a = await l.balance();
    await l.fund(world, a, amount);
    return { world, a };
  };

  it('passes on a clean ledger that uses every kind of row', async () => {
    const problems = await scratch(async (l) => {
      const { world, a } = await funded(l);
      const b = await l.balance();
      const c = await l.balance();
      // Holds: one partly committed then voided, one committed in two parts, one still open.
      const h1 = await l.hold(a, b, 300n);
      await l.commit(h1, 100n);
      await l.void(h1, 200n);
      const h2 = await l.hold(a, c, 200n);
      await l.commit(h2, 150n);
      await l.commit(h2, 50n);
      await l.hold(a, b, 100n);
      // A refund of a transfer, which the receiver had already spent (refunds may overdraw).
      const t = await l.transfer(a, b, 100n);
      await l.transfer(b, c, 150n);
      await l.refund(t);
      // Queued: applied, a hold that is then committed, refused, a refund through the queue.
      const q1 = await l.queued({ source: a, destination: c, amount: 50n });
      await l.outcome(q1, 'APPLIED');
      const q2 = await l.queued({ source: a, destination: c, amount: 40n, inflight: true });
      const held = await l.outcome(q2, 'INFLIGHT');
      await l.commit(held, 40n);
      const q3 = await l.queued({ source: b, destination: c, amount: 10n ** 9n });
      await l.outcome(q3, 'REJECTED');
      const t2 = await l.transfer(c, a, 30n);
      const q4 = await l.queued({
        source: a,
        destination: c,
        amount: 30n,
        refundOf: t2,
        allowOverdraft: true,
      });
      await l.outcome(q4, 'APPLIED');
      // Overdrafts: unlimited with allow_overdraft, and within a limit (1.005 → 101 minor units).
      const d = await l.balance();
      await l.transfer(d, world, 500n, { allowOverdraft: true });
      const e = await l.balance();
      await l.transfer(e, world, 101n, { overdraftLimit: '1.005' });
      // Another currency sums to zero on its own.
      const [x, y] = [await l.balance('EUR'), await l.balance('EUR')];
      await l.transfer(x, y, 7n, { currency: 'EUR', allowOverdraft: true });
    });
    expect(problems).toEqual([]);
  });

  it('a) the balances of a currency do not sum to zero (a row between currencies)', async () => {
    let usd = '';
    const problems = await scratch(async (l) => {
      const { a } = await funded(l);
      usd = a;
      const eur = await l.balance('EUR');
      await l.transfer(a, eur, 100n);
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'sum of EUR balances is 100, not 0',
        'sum of USD balances is -100, not 0',
      ]),
    );
    // Each balance agrees with its rows: only the sums see it.
    expect(problems.filter((p) => p.includes(usd))).toEqual([]);
  });

  it('b) a settled field that its APPLIED rows do not explain', async () => {
    let a = '';
    const problems = await scratch(async (l) => {
      ({ a } = await funded(l));
      await l.bump(a, 'credit_balance', 5n);
    });
    expect(problems).toContain(`balance ${a}: credit_balance is 1005, its APPLIED rows say 1000`);
    expect(problems).toContain('sum of USD balances is 5, not 0');

    let b = '';
    const debit = await scratch(async (l) => {
      const { a: src } = await funded(l);
      b = await l.balance();
      await l.transfer(src, b, 300n);
      await l.bump(b, 'debit_balance', 1n);
    });
    expect(debit).toContain(`balance ${b}: debit_balance is 1, its APPLIED rows say 0`);
  });

  it('b) an inflight field off by one from its open holds, commits and voids', async () => {
    let a = '';
    let b = '';
    const problems = await scratch(async (l) => {
      ({ a } = await funded(l));
      b = await l.balance();
      const h = await l.hold(a, b, 300n);
      await l.commit(h, 100n);
      await l.void(h, 50n);
      await l.q.query(
        `UPDATE balances SET inflight_debit_balance = inflight_debit_balance + 1,
           inflight_balance = inflight_balance - 1 WHERE balance_id = $1`,
        [a],
      );
      await l.q.query(
        `UPDATE balances SET inflight_credit_balance = inflight_credit_balance - 1,
           inflight_balance = inflight_balance - 1 WHERE balance_id = $1`,
        [b],
      );
    });
    expect(problems).toEqual([
      `balance ${a}: inflight_debit_balance is 151, its open holds less their commits and voids say 150`,
      `balance ${b}: inflight_credit_balance is 149, its open holds less their commits and voids say 150`,
    ]);
  });

  it('b) a hold whose commit never left the inflight fields', async () => {
    let a = '';
    const problems = await scratch(async (l) => {
      ({ a } = await funded(l));
      const b = await l.balance();
      const h = await l.hold(a, b, 300n);
      // The commit row and its settlement, but the hold is not released.
      await l.row({ source: a, destination: b, amount: 300n, status: 'APPLIED', settles: h });
      await l.settle(a, b, 300n);
    });
    expect(problems).toContain(
      `balance ${a}: inflight_debit_balance is 300, its open holds less their commits and voids say 0`,
    );
  });

  it('c) a negative balance without allow_overdraft, even if its metadata says so', async () => {
    let a = '';
    let held = '';
    const problems = await scratch(async (l) => {
      const world = await l.balance();
      a = await l.balance();
      // The client's meta_data is not the engine's permission.
      await l.transfer(a, world, 50n, { metaData: { allow_overdraft: true } });
      // A hold counts against the available amount too.
      held = await l.balance();
      await l.hold(held, world, 20n, { metaData: { allow_overdraft: true } });
    });
    expect(problems).toEqual([
      `balance ${a} went below zero without an overdraft allowed: available -50`,
      `balance ${held} went below zero without an overdraft allowed: available -20`,
    ]);
  });

  it('c) a QUEUED or REJECTED row with allow_overdraft did not debit the balance', async () => {
    let a = '';
    const problems = await scratch(async (l) => {
      const world = await l.balance();
      a = await l.balance();
      const q = await l.queued({
        source: a,
        destination: world,
        amount: 10n,
        allowOverdraft: true,
      });
      await l.outcome(q, 'REJECTED');
      await l.transfer(a, world, 50n);
    });
    expect(problems).toEqual([
      `balance ${a} went below zero without an overdraft allowed: available -50`,
    ]);
  });

  it('c) a negative balance beyond its overdraft limit', async () => {
    let a = '';
    let b = '';
    const problems = await scratch(async (l) => {
      const world = await l.balance();
      a = await l.balance();
      // Within the limit of 1.5 (150 minor units), then a debit that had no permission at all.
      await l.transfer(a, world, 100n, { overdraftLimit: '1.5' });
      await l.transfer(a, world, 100n);
      // The limit bounds the overdraft even with allow_overdraft (reference §5.6); 1.005 → 101.
      b = await l.balance();
      await l.transfer(b, world, 102n, { overdraftLimit: '1.005', allowOverdraft: true });
    });
    expect(problems).toEqual([
      `balance ${a} went below its overdraft limit: available -200, floor -150`,
      `balance ${b} went below its overdraft limit: available -102, floor -101`,
    ]);
  });

  it('d) a QUEUED row without its outcome, and pending work', async () => {
    let lost = '';
    let waiting = '';
    const problems = await scratch(async (l) => {
      const { a } = await funded(l);
      const b = await l.balance();
      lost = await l.queued({ source: a, destination: b, amount: 10n, reference: 'lost' });
      waiting = await l.queued({ source: a, destination: b, amount: 10n, reference: 'waiting' });
      await l.work('transaction', waiting);
      const scheduled = await l.row({
        source: a,
        destination: b,
        amount: 5n,
        status: 'SCHEDULED',
        reference: 'later',
      });
      await l.work('transaction', scheduled);
      await l.work('commit', 'txn_some_hold');
    });
    expect(problems).toEqual([
      '1 commit work items still pending',
      '2 transaction work items still pending',
      `queued row ${lost} (lost) has no outcome and no pending work`,
    ]);
  });

  it('d) an outcome that is not terminal or names no queued row, and work applied twice', async () => {
    const ids: Record<string, string> = {};
    const problems = await scratch(async (l) => {
      const { a } = await funded(l);
      const b = await l.balance();
      ids.q1 = await l.queued({ source: a, destination: b, amount: 10n, reference: 'q1' });
      ids.bad = await l.row({
        source: a,
        destination: b,
        amount: 10n,
        status: 'VOID',
        reference: 'q1_q',
        outcomeOf: ids.q1,
      });
      ids.t = await l.transfer(a, b, 10n);
      ids.stray = await l.row({
        source: a,
        destination: b,
        amount: 10n,
        status: 'REJECTED',
        outcomeOf: ids.t,
      });
      ids.q2 = await l.queued({ source: a, destination: b, amount: 10n, reference: 'q2' });
      await l.outcome(ids.q2, 'REJECTED');
      ids.work = await l.work('transaction', ids.q2);
    });
    expect(problems).toEqual([
      '1 transaction work items still pending',
      `outcome ${ids.bad} of ${ids.q1} is VOID, not terminal`,
      `outcome ${ids.stray} names ${ids.t}, which is APPLIED, not a queued row`,
      `work item ${ids.work} would apply ${ids.q2} again: it already has its outcome`,
    ]);
  });

  it('e) a hold committed beyond its amount', async () => {
    let h1 = '';
    const problems = await scratch(async (l) => {
      const { a } = await funded(l);
      const b = await l.balance();
      h1 = await l.hold(a, b, 300n);
      await l.hold(a, b, 300n); // keeps the inflight fields of the two balances non-negative
      await l.commit(h1, 200n);
      await l.commit(h1, 200n);
    });
    // The balance fields follow the rows: only the hold check sees it.
    expect(problems).toEqual([
      `hold ${h1} settled beyond its amount: 400 committed or voided of 300`,
    ]);

    let h2 = '';
    const withVoid = await scratch(async (l) => {
      const { a } = await funded(l);
      const b = await l.balance();
      h2 = await l.hold(a, b, 300n);
      await l.hold(a, b, 300n);
      await l.commit(h2, 250n);
      await l.void(h2, 100n);
    });
    expect(withVoid).toEqual([
      `hold ${h2} settled beyond its amount: 350 committed or voided of 300`,
    ]);
  });

  it('e) a hold voided twice', async () => {
    let h = '';
    const problems = await scratch(async (l) => {
      const { a } = await funded(l);
      const b = await l.balance();
      h = await l.hold(a, b, 300n);
      await l.void(h, 100n);
      await l.void(h, 200n);
    });
    expect(problems).toEqual([`hold ${h} voided 2 times`]);
  });

  it('e) a commit of a row that is not a hold', async () => {
    let t = '';
    let c = '';
    const problems = await scratch(async (l) => {
      const { a } = await funded(l);
      const b = await l.balance();
      t = await l.transfer(a, b, 100n);
      c = await l.row({ source: a, destination: b, amount: 0n, status: 'APPLIED', settles: t });
    });
    expect(problems).toEqual([`row ${c} settles ${t}, which is not a hold (APPLIED)`]);
  });

  it('f) a refund whose amount differs from the row it reverses', async () => {
    let t = '';
    let r = '';
    const problems = await scratch(async (l) => {
      const { a } = await funded(l);
      const b = await l.balance();
      t = await l.transfer(a, b, 100n);
      r = await l.refund(t, 90n);
    });
    expect(problems).toEqual([
      `refund ${r} of ${t}: amount or currency differs from the refunded row`,
    ]);
  });

  it('f) a refund of a missing or unapplied row, or with its sides not swapped', async () => {
    const ids: Record<string, string> = {};
    const problems = await scratch(async (l) => {
      const { a } = await funded(l);
      const b = await l.balance();
      ids.missing = await l.row({
        source: b,
        destination: a,
        amount: 10n,
        status: 'APPLIED',
        refundOf: 'txn_nowhere',
        allowOverdraft: true,
      });
      await l.settle(b, a, 10n);
      const q = await l.queued({ source: a, destination: b, amount: 10n });
      const rejected = await l.outcome(q, 'REJECTED');
      ids.rejected = rejected;
      ids.ofRejected = await l.row({
        source: b,
        destination: a,
        amount: 10n,
        status: 'REJECTED',
        refundOf: rejected,
      });
      ids.t = await l.transfer(a, b, 20n);
      ids.same = await l.row({
        source: a,
        destination: b,
        amount: 20n,
        status: 'APPLIED',
        refundOf: ids.t,
        allowOverdraft: true,
      });
      await l.settle(a, b, 20n);
    });
    expect(problems).toEqual([
      `refund ${ids.missing} of txn_nowhere: the refunded row does not exist`,
      `refund ${ids.ofRejected} of ${ids.rejected}: the refunded row is REJECTED, not APPLIED`,
      `refund ${ids.same} of ${ids.t}: source and destination are not swapped`,
    ]);
  });
});
