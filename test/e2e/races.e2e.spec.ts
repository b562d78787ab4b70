import { startTestApp, TestApp } from '../support/app';
import { checkInvariants } from '../support/invariants';
import { ledgerClient } from '../support/ledger-client';

/** Requests that race for the same hold or the same refund: exactly the allowed effect happens. */
describe('races on holds and refunds', () => {
  let t: TestApp;
  let ledger: string;
  let balance: ReturnType<typeof ledgerClient>['balance'];
  let amountsOf: ReturnType<typeof ledgerClient>['amountsOf'];
  let txn: ReturnType<typeof ledgerClient>['txn'];
  let fund: ReturnType<typeof ledgerClient>['fund'];
  const holdOf = async (amount: number, ref: string) => {
    const [a, b] = [await balance(), await balance()];
    await fund(a, amount, `${ref}-fund`);
    const id = (
      await txn({
        source: a,
        destination: b,
        precise_amount: amount,
        reference: ref,
        inflight: true,
      })
    ).json.transaction_id;
    return { a, b, id };
  };

  beforeAll(async () => {
    t = await startTestApp();
    ledger = (await t.http('POST', '/ledgers', { name: 'races' })).json.ledger_id;
    ({ balance, amountsOf, txn, fund } = ledgerClient(t, () => ledger));
  });
  afterAll(async () => {
    expect(await checkInvariants(t.ds)).toEqual([]);
    await t.close();
  });

  it('20 concurrent partial commits never settle more than the hold', async () => {
    const { a, b, id } = await holdOf(1000, 'race-commit');
    // 20 × 70 = 1400 asked for, 1000 held: exactly 14 fit, the rest are refused.
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.http('PUT', `/transactions/inflight/${id}`, {
          status: 'commit',
          precise_amount: 70,
          skip_queue: true,
        }),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(14);
    for (const r of results.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(400);
      expect(r.json.error_detail.code).toBe('TXN_COMMIT_AMOUNT_EXCEEDED');
    }
    expect(await amountsOf(a)).toMatchObject({ debit_balance: 980n, inflight_debit_balance: 20n });
    expect(await amountsOf(b)).toMatchObject({
      credit_balance: 980n,
      inflight_credit_balance: 20n,
    });
    const [{ sum }] = await t.ds.query(
      `SELECT sum(precise_amount)::text AS sum FROM transactions WHERE parent_transaction = $1`,
      [id],
    );
    expect(sum).toBe('980');
  });

  it('a void racing commits: the hold ends fully settled, never both beyond its amount', async () => {
    for (let round = 0; round < 5; round++) {
      const { a, id } = await holdOf(100, `race-vc-${round}`);
      const results = await Promise.all([
        t.http('PUT', `/transactions/inflight/${id}`, {
          status: 'commit',
          precise_amount: 60,
          skip_queue: true,
        }),
        t.http('PUT', `/transactions/inflight/${id}`, { status: 'void', skip_queue: true }),
        t.http('PUT', `/transactions/inflight/${id}`, { status: 'commit', skip_queue: true }),
      ]);
      const children: { status: string; precise_amount: string }[] = await t.ds.query(
        `SELECT status, precise_amount::text FROM transactions WHERE parent_transaction = $1`,
        [id],
      );
      const settled = children.reduce((s, c) => s + BigInt(c.precise_amount), 0n);
      expect(settled).toBe(100n);
      expect(children.filter((c) => c.status === 'VOID').length).toBeLessThanOrEqual(1);
      const after = await amountsOf(a);
      expect(after.inflight_debit_balance).toBe(0n);
      expect(results.filter((r) => r.status === 200).length).toBe(children.length);
      for (const r of results.filter((x) => x.status !== 200)) expect(r.status).toBe(409);
    }
  });

  it('10 concurrent refunds of one transaction: one refund, nine 409s', async () => {
    const [a, b] = [await balance(), await balance()];
    await txn({
      source: '@World',
      destination: a,
      precise_amount: 500,
      reference: 'race-rf-fund',
      allow_overdraft: true,
    });
    const id = (await txn({ source: a, destination: b, precise_amount: 500, reference: 'race-rf' }))
      .json.transaction_id;
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.http('POST', `/refund-transaction/${id}`, { skip_queue: true }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(409);
      expect(r.json.error_detail.code).toBe('GEN_CONFLICT');
    }
    expect((await amountsOf(a)).balance).toBe(500n);
    expect((await amountsOf(b)).balance).toBe(0n);
  });
});
