import { parseBig, startTestApp, TestApp } from '../support/app';
import { checkInvariants } from '../support/invariants';

/** Splits, holds, refunds, bulk and dry run over HTTP (issue: the complete synchronous model). */
describe('the synchronous transaction model over HTTP', () => {
  let t: TestApp;
  let ledger: string;
  const balance = async (currency = 'USD') =>
    (await t.http('POST', '/balances', { ledger_id: ledger, currency })).json.balance_id as string;
  const amountsOf = async (id: string) => parseBig((await t.http('GET', `/balances/${id}`)).text);
  const txn = (body: Record<string, unknown>) =>
    t.http('POST', '/transactions', {
      skip_queue: true,
      currency: 'USD',
      description: 'd',
      ...body,
    });
  const fund = (id: string, amount: number, reference: string) =>
    txn({
      source: '@World',
      destination: id,
      precise_amount: amount,
      reference,
      allow_overdraft: true,
    });

  beforeAll(async () => {
    t = await startTestApp();
    ledger = (await t.http('POST', '/ledgers', { name: 'model' })).json.ledger_id;
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
