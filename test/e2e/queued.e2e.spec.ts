import { startBackgroundWork } from '../../src/app/background';
import { DrainLaneUseCase } from '../../src/modules/transaction/application/queued/drain-lane.use-case';
import { QueueSettings } from '../../src/modules/transaction/application/queued/queue-settings';
import { deleteKeys, startTestApp, TestApp } from '../support/app';
import { checkInvariants, checkQueuedOutcomes } from '../support/invariants';
import { ledgerClient } from '../support/ledger-client';
import { waitFor } from '../support/wait';

/** The default (queued) path: accepted durably now, applied by a worker (BullMQ with Redis). */
describe('queued transactions', () => {
  let t: TestApp;
  let ledger: string;
  let c: ReturnType<typeof ledgerClient>;
  const queued = (body: Record<string, unknown>) =>
    t.http('POST', '/transactions', { currency: 'USD', description: 'q', ...body });
  const outcome = (reference: string) =>
    waitFor(
      async () => {
        const r = await t.http('GET', `/transactions/reference/${encodeURIComponent(reference)}_q`);
        return r.status === 200 ? r.json : undefined;
      },
      20000,
      `${reference}_q`,
    );

  beforeAll(async () => {
    t = await startTestApp();
    ledger = (await t.http('POST', '/ledgers', { name: 'queued' })).json.ledger_id;
    c = ledgerClient(t, () => ledger);
  });
  afterAll(async () => {
    expect(await checkInvariants(t.ds)).toEqual([]);
    await t.close();
  });

  it('accepts with 201 QUEUED, writes the row first, then applies it as <ref>_q', async () => {
    const [a, b] = [await c.balance(), await c.balance()];
    await c.fund(a, 1000, 'q-fund');
    const r = await queued({ source: a, destination: b, precise_amount: 400, reference: 'q-1' });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ status: 'QUEUED', reference: 'q-1', skip_queue: false });
    expect(r.json.meta_data.QUEUED_PARENT_TRANSACTION).toBe(r.json.transaction_id);
    const row = await t.http('GET', `/transactions/${r.json.transaction_id}`);
    expect(row.json.status).toBe('QUEUED');
    const done = await outcome('q-1');
    expect(done).toMatchObject({
      status: 'APPLIED',
      parent_transaction: r.json.transaction_id,
      precise_amount: 400,
    });
    expect(await c.amountsOf(a)).toMatchObject({ balance: 600n });
    expect(await c.amountsOf(b)).toMatchObject({ balance: 400n });
    // The QUEUED row itself never changes.
    expect((await t.http('GET', `/transactions/${r.json.transaction_id}`)).json.status).toBe(
      'QUEUED',
    );
  });

  it('rejects later for lack of funds: a REJECTED <ref>_q with the reason, balances untouched', async () => {
    const [a, b] = [await c.balance(), await c.balance()];
    const r = await queued({ source: a, destination: b, precise_amount: 5, reference: 'q-poor' });
    expect(r.status).toBe(201);
    const done = await outcome('q-poor');
    expect(done.status).toBe('REJECTED');
    expect(done.meta_data.blnk_rejection_reason).toBe(
      'failed to apply transaction to balances: insufficient funds in source balance',
    );
    expect((await c.amountsOf(a)).balance).toBe(0n);
  });

  it('refuses now what can be known now: duplicate reference, missing balance, bad input', async () => {
    const a = await c.balance();
    await queued({
      source: '@World',
      destination: a,
      precise_amount: 1,
      reference: 'q-dup',
      allow_overdraft: true,
    });
    const dup = await queued({
      source: '@World',
      destination: a,
      precise_amount: 1,
      reference: 'q-dup',
      allow_overdraft: true,
    });
    expect(dup.status).toBe(409);
    expect(dup.json.error_detail.code).toBe('TXN_DUPLICATE_REFERENCE');
    const missing = await queued({
      source: a,
      destination: 'bln_missing',
      precise_amount: 1,
      reference: 'q-missing',
    });
    expect(missing.status).toBe(404);
    expect(missing.json.error_detail.code).toBe('TXN_NOT_FOUND');
    const bad = await queued({ source: a, destination: a, precise_amount: 1, reference: 'q-bad' });
    expect(bad.status).toBe(400);
    await outcome('q-dup');
    expect((await c.amountsOf(a)).balance).toBe(1n);
  });

  it('queues a split as one QUEUED row per leg (R_1…R_n), applied all together', async () => {
    const [a, b] = [await c.balance(), await c.balance()];
    const r = await queued({
      source: '@World',
      precise_amount: 1000,
      reference: 'q-split',
      allow_overdraft: true,
      destinations: [
        { identifier: a, distribution: '30%' },
        { identifier: b, distribution: 'left' },
      ],
    });
    expect(r.status).toBe(201);
    const legs = await t.http('POST', '/transactions/filter', {
      filters: [{ field: 'parent_transaction', operator: 'eq', value: r.json.transaction_id }],
      sort_by: 'reference',
      sort_order: 'asc',
    });
    expect(
      legs.json.map((l: { reference: string; status: string }) => [l.reference, l.status]),
    ).toEqual([
      ['q-split_1', 'QUEUED'],
      ['q-split_2', 'QUEUED'],
    ]);
    await outcome('q-split_2');
    expect((await c.amountsOf(a)).balance).toBe(300n);
    expect((await c.amountsOf(b)).balance).toBe(700n);
  });

  it('holds funds when queued inflight', async () => {
    const [a, b] = [await c.balance(), await c.balance()];
    await c.fund(a, 100, 'q-if-fund');
    const r = await queued({
      source: a,
      destination: b,
      precise_amount: 60,
      reference: 'q-if',
      inflight: true,
    });
    expect(r.json).toMatchObject({ status: 'QUEUED', inflight: true });
    expect((await outcome('q-if')).status).toBe('INFLIGHT');
    expect(await c.amountsOf(a)).toMatchObject({ balance: 100n, inflight_debit_balance: 60n });
  });

  it('refunds through the queue, by the queued id, exactly once', async () => {
    const [a, b] = [await c.balance(), await c.balance()];
    await c.fund(a, 300, 'qr-fund');
    const pay = await queued({
      source: a,
      destination: b,
      precise_amount: 120,
      reference: 'qr-pay',
    });
    const applied = await outcome('qr-pay');
    // The SDK sends no body at all.
    const refund = await fetch(`${t.url}/refund-transaction/${pay.json.transaction_id}`, {
      method: 'POST',
      headers: { 'x-blnk-key': t.key },
    });
    const body = (await refund.json()) as Record<string, any>;
    expect(refund.status).toBe(201);
    expect(body).toMatchObject({
      status: 'QUEUED',
      reference: `${applied.transaction_id}_refund`,
      source: b,
      destination: a,
    });
    const again = await t.http('POST', `/refund-transaction/${pay.json.transaction_id}`);
    expect(again.status).toBe(409);
    const done = await outcome(`${applied.transaction_id}_refund`);
    expect(done.status).toBe('APPLIED');
    expect((await c.amountsOf(a)).balance).toBe(300n);
    expect((await c.amountsOf(b)).balance).toBe(0n);
    expect(
      (await t.http('POST', `/refund-transaction/${pay.json.transaction_id}`, { skip_queue: true }))
        .status,
    ).toBe(409);
  });

  it('scheduled_for: SCHEDULED until then, applied at that time', async () => {
    const a = await c.balance();
    const at = new Date(Date.now() + 2500);
    const r = await queued({
      source: '@World',
      destination: a,
      precise_amount: 7,
      reference: 'q-sched',
      allow_overdraft: true,
      scheduled_for: at.toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    expect(r.json.status).toBe('SCHEDULED');
    await new Promise((res) => setTimeout(res, 800));
    expect((await t.http('GET', '/transactions/reference/q-sched_q')).status).toBe(404);
    const done = await outcome('q-sched');
    expect(done.status).toBe('APPLIED');
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime() - 1000);
  });
});

/** A fresh ledger and balance with five queued credits of 10 from @World (`<name>-0…4`). */
async function fiveQueuedCredits(t: TestApp, name: string) {
  const ledger = (await t.http('POST', '/ledgers', { name })).json.ledger_id;
  const c = ledgerClient(t, () => ledger);
  const a = await c.balance();
  for (let i = 0; i < 5; i++) {
    const r = await t.http('POST', '/transactions', {
      source: '@World',
      destination: a,
      precise_amount: 10,
      currency: 'USD',
      description: name,
      reference: `${name}-${i}`,
      allow_overdraft: true,
    });
    expect(r.status).toBe(201);
  }
  return { c, a };
}

describe('queued work survives lost signals', () => {
  it('work accepted while no worker runs, with its signals flushed from Redis, is recovered', async () => {
    const t = await startTestApp({ workers: false });
    try {
      const { c, a } = await fiveQueuedCredits(t, 'lost');
      // `<reference>_q` belongs to the worker while the row waits: no client may take it.
      for (const skip_queue of [true, false]) {
        const clash = await t.http('POST', '/transactions', {
          source: '@World',
          destination: a,
          precise_amount: 1,
          currency: 'USD',
          description: 'clash',
          reference: 'lost-0_q',
          allow_overdraft: true,
          skip_queue,
        });
        expect(clash.status).toBe(409);
        expect(clash.json.error_detail.code).toBe('TXN_DUPLICATE_REFERENCE');
      }
      // Redis loses every job (in-process signals are dropped: nobody was consuming).
      if (process.env.BLNK_REDIS_DNS) await deleteKeys(process.env.BLNK_REDIS_DNS, t.prefix);
      expect((await c.amountsOf(a)).balance).toBe(0n);
      // with_queued shows what is accepted but not applied yet.
      const withQueued = await t.http('GET', `/balances/${a}?with_queued=true`);
      expect(withQueued.json).toMatchObject({
        balance: 0,
        queued_credit_balance: 50,
        queued_debit_balance: 0,
      });
      expect((await t.http('GET', `/balances/${a}`)).json.queued_credit_balance).toBeUndefined();
      const stop = await startBackgroundWork(t.app);
      try {
        await waitFor(
          async () => ((await c.amountsOf(a)).balance === 50n ? true : undefined),
          20000,
          'recovery',
        );
        const rec = await t.http('POST', '/transactions/recover?threshold=5m');
        expect(rec.json).toEqual({ recovered: 0, threshold: '5m0s' });
        expect((await t.http('POST', '/transactions/recover?threshold=soon')).status).toBe(400);
      } finally {
        await stop();
      }
      expect(await checkInvariants(t.ds)).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('enable_queued_checks: a synchronous debit must leave queued debits covered', async () => {
    const t = await startTestApp({
      workers: false,
      queueSettings: new QueueSettings(4, 100, 1000, 500, true),
    });
    try {
      const ledger = (await t.http('POST', '/ledgers', { name: 'qc' })).json.ledger_id;
      const c = ledgerClient(t, () => ledger);
      const [a, b] = [await c.balance(), await c.balance()];
      await c.fund(a, 100, 'qc-fund');
      const body = { source: a, destination: b, currency: 'USD', description: 'qc' };
      expect(
        (
          await t.http('POST', '/transactions', {
            ...body,
            precise_amount: 80,
            reference: 'qc-queued',
          })
        ).status,
      ).toBe(201);
      const over = await c.txn({ ...body, precise_amount: 30, reference: 'qc-sync-1' });
      expect(over.status).toBe(400);
      expect(over.json.error_detail.code).toBe('TXN_INSUFFICIENT_FUNDS');
      expect((await c.txn({ ...body, precise_amount: 20, reference: 'qc-sync-2' })).status).toBe(
        201,
      );
    } finally {
      await t.close();
    }
  });

  it('one drain takes everything due, a full batch after another, and stops when nothing is left', async () => {
    // Two groups per batch: five requests in one lane need three batches from a single drain.
    const t = await startTestApp({ workers: false, queueSettings: new QueueSettings(4, 2) });
    try {
      const { c, a } = await fiveQueuedCredits(t, 'batch');
      const drain = t.app.get(DrainLaneUseCase, { strict: false });
      let applied = 0;
      for (let lane = 0; lane < 4; lane++) applied += await drain.execute(lane);
      expect(applied).toBe(5);
      expect(await t.ds.query(`SELECT count(*)::int AS n FROM queued_work`)).toEqual([{ n: 0 }]);
      expect((await c.amountsOf(a)).balance).toBe(50n);
      expect(await checkQueuedOutcomes(t.ds)).toEqual([]);
    } finally {
      await t.close();
    }
  });

  it('back-pressure: over the configured depth, queued requests get 503 QUEUE_BACKPRESSURE', async () => {
    const t = await startTestApp({
      workers: false,
      queueSettings: new QueueSettings(4, 100, 2, 500),
    });
    try {
      const body = (i: number) => ({
        source: '@World',
        destination: '@Sink',
        precise_amount: 1,
        currency: 'USD',
        description: 'bp',
        reference: `bp-${i}`,
        allow_overdraft: true,
      });
      expect((await t.http('POST', '/transactions', body(1))).status).toBe(201);
      expect((await t.http('POST', '/transactions', body(2))).status).toBe(201);
      await new Promise((r) => setTimeout(r, 600));
      const over = await t.http('POST', '/transactions', body(3));
      expect(over.status).toBe(503);
      expect(over.json.error_detail.code).toBe('QUEUE_BACKPRESSURE');
      // skip_queue is not affected.
      expect((await t.http('POST', '/transactions', { ...body(4), skip_queue: true })).status).toBe(
        201,
      );
    } finally {
      await t.close();
    }
  });
});
