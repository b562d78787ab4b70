import { Client } from 'pg';
import { BalanceSnapshotsUseCase } from '../../src/modules/balance/application/balance-history.use-cases';
import { createScopedKey, parseBig, startTestApp, TestApp } from '../support/app';
import { fingerprint } from '../support/fingerprint';
import { checkInvariants } from '../support/invariants';
import { ledgerClient } from '../support/ledger-client';
import { waitFor } from '../support/wait';

/**
 * Historical balances and snapshots over HTTP (reference §2.3): `GET /balances/:id/at` and
 * `POST /balances-snapshots`, on PostgreSQL or embedded PGlite as the environment says (the
 * embedded pass of scripts/test.sh runs it on PGlite too).
 */
describe('historical balances and snapshots', () => {
  let t: TestApp;
  let ledger: string;
  let c: ReturnType<typeof ledgerClient>;

  beforeAll(async () => {
    t = await startTestApp();
    ledger = (await t.http('POST', '/ledgers', { name: 'history' })).json.ledger_id;
    c = ledgerClient(t, () => ledger);
  });
  afterAll(async () => {
    expect(await checkInvariants(t.ds)).toEqual([]);
    await t.close();
  });

  const at = async (id: string, query = '') => {
    const r = await t.http('GET', `/balances/${id}/at${query}`);
    return { ...r, big: r.text ? parseBig(r.text) : undefined };
  };
  const q = (timestamp: string, fromSource = false) =>
    `?timestamp=${encodeURIComponent(timestamp)}${fromSource ? '&from_source=true' : ''}`;
  const snapshots = () => t.app.get(BalanceSnapshotsUseCase);
  const snapshotRows = async (id: string) =>
    (await t.ds.query(
      `SELECT snapshot_time, snapshot_day::text AS day, credit_balance::text AS credit,
              debit_balance::text AS debit, balance::text AS balance
         FROM balance_snapshots WHERE balance_id = $1 ORDER BY snapshot_time`,
      [id],
    )) as { snapshot_time: Date; day: string; credit: string; debit: string; balance: string }[];

  it("answers Blnk's shape, exact beyond 2^64, equal to the balance now", async () => {
    const a = await c.balance();
    const huge = '123456789012345678901234567890';
    const r = await t.http(
      'POST',
      '/transactions',
      `{"source":"@World","destination":"${a}","precise_amount":${huge},"currency":"USD",` +
        `"reference":"huge-1","description":"d","skip_queue":true,"allow_overdraft":true}`,
    );
    expect(r.text).toContain('APPLIED');
    const got = await at(a);
    expect(got.status).toBe(200);
    expect(got.big).toEqual({
      balance: {
        balance: BigInt(huge),
        credit_balance: BigInt(huge),
        debit_balance: 0n,
        currency: 'USD',
        balance_id: a,
      },
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
      from_source: false,
    });
    expect(got.text).toContain(`"balance":${huge}`);
    const now = await c.amountsOf(a);
    expect(got.big.balance.balance).toBe(now.balance);
    const explicit = await at(a, q('2099-01-01T00:00:00+07:00', true));
    expect(explicit.big.timestamp).toBe('2099-01-01T00:00:00+07:00');
    expect(explicit.big.from_source).toBe(true);
    expect(explicit.big.balance.credit_balance).toBe(BigInt(huge));
  });

  it('counts a row from its effective date, the instant itself included', async () => {
    const a = await c.balance();
    const b = await c.balance();
    await c.fund(a, 1000, 'eff-fund');
    const moved = await c.txn({
      source: a,
      destination: b,
      precise_amount: 300,
      reference: 'eff-1',
      effective_date: '2024-01-01T12:00:00Z',
    });
    expect(moved.status).toBe(201);
    for (const fromSource of [false, true]) {
      const before = await at(b, q('2024-01-01T11:59:59.999999Z', fromSource));
      expect(before.big.balance).toMatchObject({ balance: 0n, credit_balance: 0n });
      const onTheDot = await at(b, q('2024-01-01T12:00:00Z', fromSource));
      expect(onTheDot.big.balance).toMatchObject({ balance: 300n, credit_balance: 300n });
      // The same instant written in another zone.
      const zoned = await at(b, q('2024-01-01T14:00:00+02:00', fromSource));
      expect(zoned.big.balance.balance).toBe(300n);
      // a: funded now, debited (back-dated) in 2024: -300 then, 700 now.
      expect((await at(a, q('2024-06-01T00:00:00Z', fromSource))).big.balance).toMatchObject({
        balance: -300n,
        credit_balance: 0n,
        debit_balance: 300n,
      });
    }
    expect((await at(a)).big.balance.balance).toBe(700n);
  });

  it('counts holds only when committed (partially), never voids, and refunds when made', async () => {
    const a = await c.balance();
    const b = await c.balance();
    await c.fund(a, 1000, 'hold-fund');
    const hold = await c.txn({
      source: a,
      destination: b,
      precise_amount: 500,
      reference: 'hold-1',
      inflight: true,
    });
    expect(hold.status).toBe(201);
    const held = new Date().toISOString();
    expect((await at(b)).big.balance.balance).toBe(0n);
    const commit = await t.http('PUT', `/transactions/inflight/${hold.json.transaction_id}`, {
      status: 'commit',
      precise_amount: 200,
      skip_queue: true,
    });
    expect(commit.status).toBe(200);
    const committed = new Date().toISOString();
    const voided = await t.http('PUT', `/transactions/inflight/${hold.json.transaction_id}`, {
      status: 'void',
      skip_queue: true,
    });
    expect(voided.status).toBe(200);
    const plain = await c.txn({ source: a, destination: b, precise_amount: 50, reference: 'rf-1' });
    const refund = await t.http('POST', `/refund-transaction/${plain.json.transaction_id}`, {
      skip_queue: true,
    });
    expect(refund.status).toBe(201);
    expect((await at(b, q(held))).big.balance.balance).toBe(0n);
    expect((await at(b, q(committed))).big.balance.balance).toBe(200n);
    const now = await at(b);
    expect(now.big.balance).toMatchObject({
      balance: 200n,
      credit_balance: 250n,
      debit_balance: 50n,
    });
    const live = await c.amountsOf(b);
    expect([now.big.balance.credit_balance, now.big.balance.debit_balance]).toEqual([
      live.credit_balance,
      live.debit_balance,
    ]);
  });

  it('counts a queued transfer once applied, from its acceptance', async () => {
    const a = await c.balance();
    const b = await c.balance();
    await c.fund(a, 100, 'queued-fund');
    const r = await c.txn({
      source: a,
      destination: b,
      precise_amount: 40,
      reference: 'queued-1',
      skip_queue: false,
    });
    expect(r.status).toBe(201);
    await waitFor(async () => ((await c.amountsOf(b)).balance === 40n ? true : undefined));
    expect((await at(b)).big.balance.balance).toBe(40n);
    expect((await at(b, q(r.json.created_at))).big.balance.balance).toBe(40n);
  });

  it('refuses a bad timestamp with 400 BAL_INVALID_TIMESTAMP and writes nothing', async () => {
    const a = await c.balance();
    const before = await fingerprint(t.ds);
    for (const bad of [
      'yesterday',
      '2024-01-01',
      '2024-01-01T00:00:00',
      '2024-02-30T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01 00:00:00Z',
      'null',
      '0000-01-01T00:00:00Z',
    ]) {
      const r = await at(a, q(bad));
      expect(r.status).toBe(400);
      expect(r.json.error_detail.code).toBe('BAL_INVALID_TIMESTAMP');
      expect(r.json.error).toContain('invalid timestamp format');
    }
    const twice = await at(a, '?timestamp=2024-01-01T00:00:00Z&timestamp=2024-01-02T00:00:00Z');
    expect(twice.json.error_detail.code).toBe('BAL_INVALID_TIMESTAMP');
    const missing = await at('bln_missing', q('2024-01-01T00:00:00Z'));
    expect(missing.status).toBe(404);
    expect(missing.json.error_detail.code).toBe('BAL_NOT_FOUND');
    const badBatch = await t.http('POST', '/balances-snapshots?batch_size=0');
    expect(badBatch.status).toBe(400);
    expect(badBatch.json.error_detail.code).toBe('GEN_VALIDATION_ERROR');
    for (const size of ['-1', 'abc', '10001', '1.5']) {
      expect((await t.http('POST', `/balances-snapshots?batch_size=${size}`)).status).toBe(400);
    }
    expect(await fingerprint(t.ds)).toEqual(before);
  });

  it('takes one snapshot per balance a day, and answers the same with it as from the rows', async () => {
    const a = await c.balance();
    const b = await c.balance();
    await c.fund(a, 1000, 'snap-fund');
    await c.txn({ source: a, destination: b, precise_amount: 100, reference: 'snap-1' });
    const r = await t.http('POST', '/balances-snapshots?batch_size=2');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ message: 'Snapshotting in progress. should be completed shortly' });
    await snapshots().idle();
    const first = await snapshotRows(b);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ credit: '100', debit: '0', balance: '100' });
    // Twice on one day: nothing doubles.
    await t.http('POST', '/balances-snapshots');
    await snapshots().idle();
    expect(await snapshotRows(b)).toEqual(first);
    expect(await snapshots().run(1000)).toBe(0);

    await c.txn({ source: a, destination: b, precise_amount: 7, reference: 'snap-2' });
    const now = new Date().toISOString();
    const viaSnapshot = await at(b, q(now));
    const viaRows = await at(b, q(now, true));
    expect(viaSnapshot.big.balance).toEqual(viaRows.big.balance);
    expect(viaSnapshot.big.balance.balance).toBe(107n);
  });

  it('corrects a snapshot when a row effective before it arrives later', async () => {
    const a = await c.balance();
    const b = await c.balance();
    await c.fund(a, 1000, 'late-fund');
    await c.txn({ source: a, destination: b, precise_amount: 10, reference: 'late-1' });
    expect(await snapshots().run(100)).toBeGreaterThanOrEqual(2);
    const [snap] = await snapshotRows(b);
    expect(snap.credit).toBe('10');
    // Back-dated to before the snapshot: the snapshot must now include it.
    const backDated = new Date(snap.snapshot_time.getTime() - 3_600_000).toISOString();
    await c.txn({
      source: a,
      destination: b,
      precise_amount: 5,
      reference: 'late-2',
      effective_date: backDated,
    });
    expect((await snapshotRows(b))[0]).toMatchObject({ credit: '15', balance: '15' });
    expect((await snapshotRows(a))[0]).toMatchObject({ debit: '15', balance: '985' });
    const instant = new Date(snap.snapshot_time.getTime() + 1).toISOString();
    expect((await at(b, q(instant))).big.balance.balance).toBe(15n);
    expect((await at(b, q(instant, true))).big.balance.balance).toBe(15n);
    // Dated after the snapshot: the snapshot stays, the range after it counts the row.
    const later = new Date(Date.now() + 60_000).toISOString();
    await c.txn({
      source: a,
      destination: b,
      precise_amount: 1,
      reference: 'late-3',
      effective_date: later,
    });
    expect((await snapshotRows(b))[0].credit).toBe('15');
    expect((await at(b, q(later))).big.balance.balance).toBe(16n);
    expect((await at(b)).big.balance.balance).toBe(15n);
  });

  // Two sessions at once: only a PostgreSQL server has them (PGlite serializes transactions).
  const pgOnly = process.env.BLNK_DATA_SOURCE_DNS ? it : undefined;

  pgOnly?.(
    'a snapshot taken while a writer holds the balance waits and counts its row',
    async () => {
      const a = await c.balance();
      const b = await c.balance();
      await c.fund(a, 100, 'race-fund');
      const writer = new Client({
        connectionString: t.db.dsn,
        options: '-c search_path=blnk,public',
      });
      await writer.connect();
      try {
        // A writer as the engine is one: balances locked, a back-dated row and the new amounts.
        await writer.query('BEGIN');
        await writer.query(
          `SELECT 1 FROM balances WHERE balance_id = ANY($1) ORDER BY balance_id FOR NO KEY UPDATE`,
          [[a, b]],
        );
        await writer.query(
          `INSERT INTO transactions (transaction_id, source, destination, reference, amount,
            precise_amount, currency, status, hash, effective_date)
         VALUES ('txn_race_1', $1, $2, 'race-1', 5, 5, 'USD', 'APPLIED', 'h', now() - interval '1 hour')`,
          [a, b],
        );
        await writer.query(
          `UPDATE balances SET debit_balance = debit_balance + 5, balance = balance - 5,
                version = version + 1 WHERE balance_id = $1`,
          [a],
        );
        await writer.query(
          `UPDATE balances SET credit_balance = credit_balance + 5, balance = balance + 5,
                version = version + 1 WHERE balance_id = $1`,
          [b],
        );
        let done = false;
        const run = snapshots()
          .run(1000)
          .then(() => (done = true));
        await new Promise((r) => setTimeout(r, 300));
        expect(done).toBe(false); // waiting for the writer's locks
        await writer.query('COMMIT');
        await run;
      } finally {
        await writer.end();
      }
      expect((await snapshotRows(b))[0]).toMatchObject({ credit: '5', balance: '5' });
      expect((await snapshotRows(a))[0]).toMatchObject({ debit: '5', balance: '95' });
      const now = new Date().toISOString();
      expect((await at(b, q(now))).big.balance).toEqual((await at(b, q(now, true))).big.balance);
    },
  );

  it('lets two processes snapshot at once: one snapshot per balance', async () => {
    const a = await c.balance();
    await c.fund(a, 3, 'two-fund');
    const other = await startTestApp({ shareDatabaseOf: t, workers: false });
    try {
      await Promise.all([
        snapshots().run(1),
        other.app.get(BalanceSnapshotsUseCase).run(1),
        snapshots().run(1000),
      ]);
    } finally {
      await other.close();
    }
    const dup = await t.ds.query(
      `SELECT balance_id FROM balance_snapshots GROUP BY balance_id, snapshot_day HAVING count(*) > 1`,
    );
    expect(dup).toEqual([]);
    expect(await snapshotRows(a)).toHaveLength(1);
  });

  it('keeps every snapshot equal to its rows while transfers race the snapshot runs', async () => {
    const ids = [await c.balance(), await c.balance(), await c.balance(), await c.balance()];
    for (const [i, id] of ids.entries()) await c.fund(id, 100_000, `storm-fund-${i}`);
    const now = Date.now();
    const transfers = Array.from({ length: 120 }, (_, i) => async () => {
      const from = ids[i % 4];
      const to = ids[(i * 7 + 1) % 4] === from ? ids[(i + 2) % 4] : ids[(i * 7 + 1) % 4];
      const r = await c.txn({
        source: from,
        destination: to,
        precise_amount: 1 + (i % 13),
        reference: `storm-${i}`,
        skip_queue: i % 2 === 0,
        ...(i % 3 === 0
          ? { effective_date: new Date(now - (i % 5) * 43_200_000).toISOString() }
          : {}),
      });
      expect(r.status).toBe(201);
    });
    const runs = [0, 0.6, 1.3, 2.1, 0.2].map(
      (days) => () => snapshots().run(2, new Date(now - days * 86_400_000)),
    );
    const pending = [...transfers];
    await Promise.all([
      ...Array.from({ length: 8 }, async () => {
        for (let next = pending.shift(); next; next = pending.shift()) await next();
      }),
      (async () => {
        for (const run of runs) await run();
      })(),
    ]);
    await waitFor(async () => {
      const [w] = await t.ds.query(`SELECT count(*)::int AS n FROM queued_work`);
      return w.n === 0 ? true : undefined;
    });
    const wrong = await t.ds.query(
      `SELECT s.balance_id, s.snapshot_time FROM balance_snapshots s
        WHERE (s.credit_balance, s.debit_balance) IS DISTINCT FROM (
          (SELECT COALESCE(sum(precise_amount), 0) FROM transactions t
            WHERE t.destination = s.balance_id AND t.status = 'APPLIED'
              AND COALESCE(t.effective_date, t.created_at) <= s.snapshot_time),
          (SELECT COALESCE(sum(precise_amount), 0) FROM transactions t
            WHERE t.source = s.balance_id AND t.status = 'APPLIED'
              AND COALESCE(t.effective_date, t.created_at) <= s.snapshot_time))`,
    );
    expect(wrong).toEqual([]);
    const [{ n }] = await t.ds.query(
      `SELECT count(*)::int AS n FROM balance_snapshots WHERE balance_id = ANY($1)`,
      [ids],
    );
    expect(n).toBeGreaterThanOrEqual(4);
    for (const id of ids) {
      for (const days of [0, 0.5, 1, 1.5, 2.5]) {
        const instant = new Date(now - days * 86_400_000).toISOString();
        expect((await at(id, q(instant))).big.balance).toEqual(
          (await at(id, q(instant, true))).big.balance,
        );
      }
    }
  });

  it('lets a balances:read key read history; snapshots need balances:write', async () => {
    const a = await c.balance();
    const reader = await createScopedKey(t, ['balances:read']);
    const r = await t.http('GET', `/balances/${a}/at`, undefined, { 'x-blnk-key': reader.key });
    expect(r.status).toBe(200);
    const refused = await t.http('POST', '/balances-snapshots', undefined, {
      'x-blnk-key': reader.key,
    });
    expect(refused.status).toBe(403);
    expect(refused.json.error_detail.code).toBe('AUTH_INSUFFICIENT_PERMISSIONS');
  });
});
