import { startTestApp, TestApp } from '../support/app';
import { checkInvariants } from '../support/invariants';
import { ledgerClient } from '../support/ledger-client';

/** Refunds, bulk batches and dry runs over HTTP (the synchronous model). */
describe('synchronous model: refunds, bulk, dry run', () => {
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

  describe('refunds', () => {
    it('reverses an applied transaction exactly once', async () => {
      const [a, b] = [await balance(), await balance()];
      await fund(a, 500, 'rf-fund');
      const id = (
        await txn({ source: a, destination: b, precise_amount: 300, reference: 'rf-pay' })
      ).json.transaction_id;
      const r = await t.http('POST', `/refund-transaction/${id}`, {
        skip_queue: true,
        description: 'sorry',
        meta_data: { ticket: 9 },
      });
      expect(r.status).toBe(201);
      expect(r.json).toMatchObject({
        source: b,
        destination: a,
        precise_amount: 300,
        reference: `${id}_refund`,
        parent_transaction: id,
        description: 'sorry',
        status: 'APPLIED',
      });
      expect(r.json.meta_data).toMatchObject({ ticket: 9, allow_overdraft: true });
      expect((await amountsOf(a)).balance).toBe(500n);
      expect((await amountsOf(b)).balance).toBe(0n);
      const again = await t.http('POST', `/refund-transaction/${id}`, { skip_queue: true });
      expect(again.status).toBe(409);
      expect(again.json.error_detail.code).toBe('GEN_CONFLICT');
      expect((await amountsOf(a)).balance).toBe(500n);
      expect(
        (await t.http('POST', '/refund-transaction/txn_none', { skip_queue: true })).status,
      ).toBe(404);
      expect(
        (await t.http('POST', `/refund-transaction/${r.json.transaction_id}`, { skip_queue: true }))
          .status,
      ).toBe(400);
    });

    it('refunds the commits of a hold, and refuses an uncommitted hold', async () => {
      const [a, b] = [await balance(), await balance()];
      await fund(a, 500, 'rfh-fund');
      const hold = (
        await txn({
          source: a,
          destination: b,
          precise_amount: 300,
          reference: 'rfh',
          inflight: true,
        })
      ).json.transaction_id;
      expect(
        (await t.http('POST', `/refund-transaction/${hold}`, { skip_queue: true })).status,
      ).toBe(400);
      await t.http('PUT', `/transactions/inflight/${hold}`, {
        status: 'commit',
        precise_amount: 100,
        skip_queue: true,
      });
      const r = await t.http('POST', `/refund-transaction/${hold}`, { skip_queue: true });
      expect(r.status).toBe(201);
      expect(r.json.precise_amount).toBe(100);
      expect(await amountsOf(a)).toMatchObject({ balance: 500n, inflight_debit_balance: 200n });
    });
  });

  describe('bulk', () => {
    const item = (source: string, destination: string, amount: number, reference: string) => ({
      source,
      destination,
      precise_amount: amount,
      currency: 'USD',
      reference,
      description: 'bulk',
    });

    it('applies items in order under a bulk_ batch id', async () => {
      const [a, b] = [await balance(), await balance()];
      await fund(a, 100, 'bk-fund');
      const r = await t.http('POST', '/transactions/bulk', {
        skip_queue: true,
        // The second item only succeeds because the first ran before it.
        transactions: [item(a, b, 100, 'bk-1'), item(b, a, 60, 'bk-2')],
      });
      expect(r.status).toBe(201);
      expect(r.json).toMatchObject({ status: 'applied', transaction_count: 2 });
      expect(r.json.batch_id).toMatch(/^bulk_/);
      const rows = await t.http('POST', '/transactions/filter', {
        filters: [{ field: 'parent_transaction', operator: 'eq', value: r.json.batch_id }],
        sort_by: 'reference',
        sort_order: 'asc',
      });
      expect(
        rows.json.map((x: { meta_data: { sequence: number } }) => x.meta_data.sequence),
      ).toEqual([1, 2]);
      expect((await amountsOf(a)).balance).toBe(60n);
      const meta = await t.http('POST', `/${r.json.batch_id}/metadata`, {
        meta_data: { tag: 'batch' },
      });
      expect(meta.status).toBe(200);
      expect((await t.http('GET', '/transactions/reference/bk-2')).json.meta_data.tag).toBe(
        'batch',
      );
    });

    it('atomic: one failing item leaves no item applied', async () => {
      const [a, b] = [await balance(), await balance()];
      await fund(a, 100, 'bka-fund');
      const r = await t.http('POST', '/transactions/bulk', {
        skip_queue: true,
        atomic: true,
        transactions: [item(a, b, 50, 'bka-1'), item(a, b, 51, 'bka-2')],
      });
      expect(r.status).toBe(400);
      expect(r.json.batch_id).toMatch(/^bulk_/);
      expect(r.json.error_detail).toMatchObject({
        code: 'TXN_INSUFFICIENT_FUNDS',
        details: { batch_id: r.json.batch_id, index: 1 },
      });
      expect(r.json.error).toContain('failed to queue transaction 2 (Reference: bka-2');
      expect((await amountsOf(a)).balance).toBe(100n);
      expect((await t.http('GET', '/transactions/reference/bka-1')).status).toBe(404);
    });

    it('not atomic: stops at the failure, earlier items stay', async () => {
      const [a, b] = [await balance(), await balance()];
      await fund(a, 100, 'bkn-fund');
      const r = await t.http('POST', '/transactions/bulk', {
        skip_queue: true,
        transactions: [item(a, b, 50, 'bkn-1'), item(a, b, 51, 'bkn-2'), item(a, b, 1, 'bkn-3')],
      });
      expect(r.status).toBe(400);
      expect(r.json.error).toContain('Previous transactions were not rolled back');
      expect((await amountsOf(a)).balance).toBe(50n);
      expect((await t.http('GET', '/transactions/reference/bkn-3')).status).toBe(404);
    });

    it('validates the batch and each item', async () => {
      const empty = await t.http('POST', '/transactions/bulk', {
        skip_queue: true,
        transactions: [],
      });
      expect(empty.json.error_detail.code).toBe('TXN_BULK_EMPTY');
      const many = await t.http('POST', '/transactions/bulk', {
        skip_queue: true,
        transactions: Array.from({ length: 10001 }, (_, i) => item('a', 'b', 1, `m${i}`)),
      });
      expect(many.json.error_detail.code).toBe('TXN_BULK_LIMIT_EXCEEDED');
      const bad = await t.http('POST', '/transactions/bulk', {
        skip_queue: true,
        transactions: [item('a', 'b', 1, 'v1'), { ...item('a', 'b', 1, 'v2'), currency: '' }],
      });
      expect(bad.json).toMatchObject({
        errors: 'transactions[1]: currency: cannot be blank.',
        error_detail: { code: 'TXN_VALIDATION_ERROR', details: { index: 1 } },
      });
      const nul = await t.http('POST', '/transactions/bulk', {
        skip_queue: true,
        transactions: [null],
      });
      expect(nul.json.error_detail.message).toBe('transactions[0]: cannot be null');
      const dup = await t.http('POST', '/transactions/bulk', {
        skip_queue: true,
        atomic: true,
        transactions: [
          { ...item('@World', '@Y', 1, 'same'), allow_overdraft: true },
          { ...item('@World', '@Y', 1, 'same'), allow_overdraft: true },
        ],
      });
      expect(dup.status).toBe(409);
      expect(dup.json.error_detail).toMatchObject({
        code: 'TXN_DUPLICATE_REFERENCE',
        details: { index: 1 },
      });
    });

    it('inflight batch: every item held', async () => {
      const [a, b] = [await balance(), await balance()];
      await fund(a, 100, 'bki-fund');
      const r = await t.http('POST', '/transactions/bulk', {
        skip_queue: true,
        inflight: true,
        transactions: [item(a, b, 30, 'bki-1'), item(a, b, 20, 'bki-2')],
      });
      expect(r.json.status).toBe('inflight');
      expect(await amountsOf(a)).toMatchObject({ balance: 100n, inflight_debit_balance: 50n });
      // Commit everything in the batch through its id.
      expect(
        (
          await t.http('PUT', `/transactions/inflight/${r.json.batch_id}`, {
            status: 'commit',
            skip_queue: true,
          })
        ).status,
      ).toBe(200);
      expect(await amountsOf(a)).toMatchObject({ balance: 50n, inflight_debit_balance: 0n });
    });
  });

  describe('dry run', () => {
    it('previews a transfer, writes nothing, creates no @ balance, consumes no reference', async () => {
      const a = await balance();
      const r = await txn({
        source: '@DryWorld',
        destination: a,
        amount: 10,
        precision: 100,
        reference: 'dry-1',
        allow_overdraft: true,
        dry_run: true,
      });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({
        dry_run: true,
        would_apply: true,
        status: 'APPLIED',
        precise_amount: '1000',
        amount: 10,
        reference: 'dry-1',
      });
      const src = r.json.balances.find((x: { role: string }) => x.role === 'source');
      expect(src).toMatchObject({
        virtual: true,
        current_balance: '0',
        resulting_balance: '-1000',
        resulting_debit_balance: '1000',
      });
      const dst = r.json.balances.find((x: { role: string }) => x.role === 'destination');
      expect(dst).toMatchObject({
        balance_id: a,
        virtual: false,
        current_balance: '0',
        resulting_balance: '1000',
        resulting_available: '1000',
      });
      expect((await t.http('GET', '/balances/indicator/%40DryWorld/currency/USD')).status).toBe(
        404,
      );
      expect((await t.http('GET', '/transactions/reference/dry-1')).status).toBe(404);
      expect(
        (
          await txn({
            source: '@DryWorld',
            destination: a,
            amount: 10,
            precision: 100,
            reference: 'dry-1',
            allow_overdraft: true,
          })
        ).status,
      ).toBe(201);
    });

    it('reports rejections instead of failing', async () => {
      const [a, b] = [await balance(), await balance()];
      const r = await txn({
        source: a,
        destination: b,
        precise_amount: 5,
        reference: 'dry-2',
        dry_run: true,
      });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({
        would_apply: false,
        rejection: { code: 'TXN_INSUFFICIENT_FUNDS', reason: 'insufficient_funds' },
      });
      expect(r.json.status).toBeUndefined();
      await fund(a, 5, 'dry-used');
      const dup = await txn({
        source: a,
        destination: b,
        precise_amount: 1,
        reference: 'dry-used',
        dry_run: true,
      });
      expect(dup.json.rejection.code).toBe('TXN_DUPLICATE_REFERENCE');
    });

    it('previews an inflight commit, a refund and a bulk batch without changing anything', async () => {
      const [a, b] = [await balance(), await balance()];
      await fund(a, 100, 'dry-fund');
      const hold = (
        await txn({
          source: a,
          destination: b,
          precise_amount: 40,
          reference: 'dry-hold',
          inflight: true,
        })
      ).json.transaction_id;
      const c = await t.http('PUT', `/transactions/inflight/${hold}`, {
        status: 'commit',
        precise_amount: 10,
        skip_queue: true,
        dry_run: true,
      });
      expect(c.json).toMatchObject({
        dry_run: true,
        would_apply: true,
        operation: 'commit',
        precise_amount: '10',
      });
      const v = await t.http('PUT', `/transactions/inflight/${hold}`, {
        status: 'void',
        dry_run: true,
      });
      expect(v.json).toMatchObject({ operation: 'void', precise_amount: '40' });
      const pay = (
        await txn({ source: a, destination: b, precise_amount: 10, reference: 'dry-pay' })
      ).json.transaction_id;
      const rf = await t.http('POST', `/refund-transaction/${pay}`, { dry_run: true });
      expect(rf.status).toBe(200);
      expect(rf.json).toMatchObject({ would_apply: true, reference: `${pay}_refund` });
      const bk = await t.http('POST', '/transactions/bulk', {
        skip_queue: true,
        dry_run: true,
        transactions: [
          {
            source: a,
            destination: b,
            precise_amount: 50,
            currency: 'USD',
            reference: 'dry-b1',
            description: 'x',
          },
          {
            source: a,
            destination: b,
            precise_amount: 50,
            currency: 'USD',
            reference: 'dry-b2',
            description: 'x',
          },
        ],
      });
      expect(bk.status).toBe(200);
      expect(bk.json).toMatchObject({ dry_run: true, would_apply: false, cumulative: true });
      expect(bk.json.results.map((x: { would_apply: boolean }) => x.would_apply)).toEqual([
        true,
        false,
      ]);
      expect(await amountsOf(a)).toMatchObject({ balance: 90n, inflight_debit_balance: 40n });
      expect(
        (await t.http('POST', `/refund-transaction/${pay}`, { skip_queue: true })).status,
      ).toBe(201);
    });
  });
});
