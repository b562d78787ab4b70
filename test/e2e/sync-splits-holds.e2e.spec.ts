import { startTestApp, TestApp } from '../support/app';
import { checkInvariants } from '../support/invariants';
import { ledgerClient } from '../support/ledger-client';

/** Splits and holds over HTTP (the synchronous model). */
describe('synchronous model: splits and holds', () => {
  let t: TestApp;
  let ledger: string;
  let balance: ReturnType<typeof ledgerClient>['balance'];
  let amountsOf: ReturnType<typeof ledgerClient>['amountsOf'];
  let txn: ReturnType<typeof ledgerClient>['txn'];
  let fund: ReturnType<typeof ledgerClient>['fund'];

  beforeAll(async () => {
    t = await startTestApp();
    ledger = (await t.http('POST', '/ledgers', { name: 'model' })).json.ledger_id;
    ({ balance, amountsOf, txn, fund } = ledgerClient(t, () => ledger));
  });
  afterAll(async () => {
    expect(await checkInvariants(t.ds)).toEqual([]);
    await t.close();
  });

  describe('splits', () => {
    it('splits 2.5 as 50% / 45% / left into 125 / 112 / 13, legs R-1..R-3 under the parent', async () => {
      const [a, b, c] = [await balance(), await balance(), await balance()];
      const r = await txn({
        source: '@World',
        amount: 2.5,
        precision: 100,
        reference: 'split-1',
        allow_overdraft: true,
        destinations: [
          { identifier: a, distribution: '50%' },
          { identifier: b, distribution: '45%' },
          { identifier: c, distribution: 'left' },
        ],
      });
      expect(r.status).toBe(201);
      expect(r.json).toMatchObject({
        status: 'APPLIED',
        precise_amount: 250,
        reference: 'split-1',
      });
      expect(r.json.destination).toBeUndefined();
      const legIds = r.json.destinations.map((d: { transaction_id: string }) => d.transaction_id);
      expect(legIds.every((id: string) => /^txn_/.test(id))).toBe(true);
      expect((await amountsOf(a)).balance).toBe(125n);
      expect((await amountsOf(b)).balance).toBe(112n);
      expect((await amountsOf(c)).balance).toBe(13n);
      const legs = await t.http('POST', '/transactions/filter', {
        filters: [{ field: 'parent_transaction', operator: 'eq', value: r.json.transaction_id }],
        sort_by: 'reference',
        sort_order: 'asc',
      });
      expect(legs.json.map((l: { reference: string }) => l.reference)).toEqual([
        'split-1-1',
        'split-1-2',
        'split-1-3',
      ]);
      expect(legs.json.map((l: { transaction_id: string }) => l.transaction_id).sort()).toEqual(
        [...legIds].sort(),
      );
      expect((await t.http('GET', `/transactions/${r.json.transaction_id}`)).status).toBe(404);
    });

    it('takes from several sources with fixed, precise and left shares', async () => {
      const [a, b, dest] = [await balance(), await balance(), await balance()];
      await fund(a, 10000, 'ms-fa');
      await fund(b, 10000, 'ms-fb');
      const r = await txn({
        destination: dest,
        precise_amount: 10000,
        precision: 100,
        reference: 'multi-src',
        sources: [
          { identifier: a, distribution: '12.34' },
          { identifier: b, precise_distribution: 'left' },
        ],
      });
      expect(r.status).toBe(201);
      expect((await amountsOf(a)).balance).toBe(10000n - 1234n);
      expect((await amountsOf(b)).balance).toBe(10000n - 8766n);
      expect((await amountsOf(dest)).balance).toBe(10000n);
    });

    it('refuses bad distributions with the §5.8 messages and moves nothing', async () => {
      const [a, b] = [await balance(), await balance()];
      for (const [destinations, message] of [
        [
          [
            { identifier: a, distribution: '60%' },
            { identifier: b, distribution: '50%' },
          ],
          'total distributions exceed 100% or total amount',
        ],
        [
          [
            { identifier: a, distribution: '200' },
            { identifier: b, distribution: 'left' },
          ],
          'fixed amount exceeds remaining transaction amount',
        ],
      ] as const) {
        const r = await txn({
          source: '@World',
          amount: 100,
          reference: `bad-${message}`,
          allow_overdraft: true,
          destinations,
        });
        expect(r.status).toBe(400);
        expect(r.json.error_detail.code).toBe('TXN_VALIDATION_ERROR');
        expect(r.json.error_detail.message).toContain(message);
      }
      expect((await amountsOf(a)).balance).toBe(0n);
    });
  });

  describe('inflight', () => {
    it('holds, commits in parts, then voids the rest', async () => {
      const [a, b] = [await balance(), await balance()];
      await fund(a, 1000, 'if-fund');
      const hold = await txn({
        source: a,
        destination: b,
        precise_amount: 600,
        reference: 'if-hold',
        inflight: true,
      });
      expect(hold.json).toMatchObject({ status: 'INFLIGHT', inflight: true });
      const id = hold.json.transaction_id;
      expect(await amountsOf(a)).toMatchObject({ balance: 1000n, inflight_debit_balance: 600n });
      // The hold counts against the funds check.
      expect(
        (await txn({ source: a, destination: b, precise_amount: 401, reference: 'if-over' }))
          .status,
      ).toBe(400);

      const c1 = await t.http('PUT', `/transactions/inflight/${id}`, {
        status: 'commit',
        precise_amount: 200,
        skip_queue: true,
      });
      expect(c1.status).toBe(200);
      expect(c1.json).toMatchObject({
        status: 'APPLIED',
        precise_amount: 200,
        parent_transaction: id,
        inflight: false,
      });
      expect(c1.json.reference).toMatch(/^ref_/);
      const c2 = await t.http('PUT', `/transactions/inflight/${id}`, {
        status: 'commit',
        amount: 1.5,
        skip_queue: true,
      });
      expect(c2.json.precise_amount).toBe(2);
      expect(await amountsOf(a)).toMatchObject({
        balance: 798n,
        debit_balance: 202n,
        inflight_debit_balance: 398n,
      });
      expect(await amountsOf(b)).toMatchObject({ balance: 202n, inflight_credit_balance: 398n });

      const over = await t.http('PUT', `/transactions/inflight/${id}`, {
        status: 'commit',
        precise_amount: 399,
        skip_queue: true,
      });
      expect(over.status).toBe(400);
      expect(over.json.error_detail.code).toBe('TXN_COMMIT_AMOUNT_EXCEEDED');
      const beyond = await t.http('PUT', `/transactions/inflight/${id}`, {
        status: 'commit',
        precise_amount: 601,
        skip_queue: true,
      });
      expect(beyond.json.error_detail.message).toContain('original transaction amount');

      const v = await t.http('PUT', `/transactions/inflight/${id}`, {
        status: 'void',
        skip_queue: true,
      });
      expect(v.json).toMatchObject({ status: 'VOID', precise_amount: 398, inflight: false });
      expect(await amountsOf(a)).toMatchObject({ balance: 798n, inflight_debit_balance: 0n });
      expect(await amountsOf(b)).toMatchObject({ balance: 202n, inflight_credit_balance: 0n });

      for (const status of ['void', 'commit']) {
        const again = await t.http('PUT', `/transactions/inflight/${id}`, {
          status,
          skip_queue: true,
        });
        expect(again.status).toBe(409);
        expect(again.json.error_detail.code).toBe('TXN_ALREADY_VOIDED');
      }
    });

    it('void after a full commit is TXN_ALREADY_COMMITTED; other errors have their codes', async () => {
      const [a, b] = [await balance(), await balance()];
      await fund(a, 100, 'if2-fund');
      const id = (
        await txn({
          source: a,
          destination: b,
          precise_amount: 100,
          reference: 'if2',
          inflight: true,
        })
      ).json.transaction_id;
      expect(
        (
          await t.http('PUT', `/transactions/inflight/${id}`, {
            status: 'commit',
            skip_queue: true,
          })
        ).json.precise_amount,
      ).toBe(100);
      const v = await t.http('PUT', `/transactions/inflight/${id}`, {
        status: 'void',
        skip_queue: true,
      });
      expect(v.status).toBe(409);
      expect(v.json.error_detail).toMatchObject({
        code: 'TXN_ALREADY_COMMITTED',
        message: 'cannot void. Transaction already committed',
      });
      const c = await t.http('PUT', `/transactions/inflight/${id}`, {
        status: 'commit',
        skip_queue: true,
      });
      expect(c.json.error_detail.code).toBe('TXN_ALREADY_COMMITTED');
      expect(
        (
          await t.http('PUT', `/transactions/inflight/${id}`, {
            status: 'COMMIT',
            skip_queue: true,
          })
        ).json.error_detail.code,
      ).toBe('TXN_INVALID_STATUS_ACTION');
      expect(
        (
          await t.http('PUT', '/transactions/inflight/txn_none', {
            status: 'commit',
            skip_queue: true,
          })
        ).status,
      ).toBe(404);
      const applied = (await fund(a, 5, 'if2-plain')).json.transaction_id;
      expect(
        (
          await t.http('PUT', `/transactions/inflight/${applied}`, {
            status: 'commit',
            skip_queue: true,
          })
        ).json.error_detail.code,
      ).toBe('TXN_NOT_INFLIGHT');
      // An amount below one minor unit is refused, never read as "commit all".
      const tiny = await t.http('PUT', `/transactions/inflight/${id}`, {
        status: 'commit',
        amount: 0.001,
        skip_queue: true,
      });
      expect(tiny.json.error_detail.code).toBe('TXN_INVALID_AMOUNT');
      expect(
        (
          await t.http('PUT', `/transactions/inflight/${id}`, {
            status: 'commit',
            precise_amount: 0,
            skip_queue: true,
          })
        ).json.error_detail.code,
      ).toBe('TXN_INVALID_AMOUNT');
    });

    it('commits and voids a split hold through its parent id', async () => {
      const [a, b, c] = [await balance(), await balance(), await balance()];
      await fund(a, 1000, 'ifs-fund');
      const parent = (
        await txn({
          source: a,
          precise_amount: 1000,
          reference: 'ifs',
          inflight: true,
          destinations: [
            { identifier: b, distribution: '50%' },
            { identifier: c, distribution: 'left' },
          ],
        })
      ).json.transaction_id;
      const commit = await t.http('PUT', `/transactions/inflight/${parent}`, {
        status: 'commit',
        precise_amount: 100,
        skip_queue: true,
      });
      expect(commit.status).toBe(200);
      // A partial amount applies to each leg, as in Blnk.
      expect(await amountsOf(b)).toMatchObject({ balance: 100n, inflight_credit_balance: 400n });
      expect(await amountsOf(c)).toMatchObject({ balance: 100n, inflight_credit_balance: 400n });
      expect(
        (
          await t.http('PUT', `/transactions/inflight/${parent}`, {
            status: 'void',
            skip_queue: true,
          })
        ).status,
      ).toBe(200);
      expect(await amountsOf(a)).toMatchObject({ balance: 800n, inflight_debit_balance: 0n });
    });
  });
});
