import { DrainLaneUseCase } from '../../src/modules/transaction/application/queued/drain-lane.use-case';
import { QueueSettings } from '../../src/modules/transaction/application/queued/queue-settings';
import { laneOf } from '../../src/modules/transaction/domain/lane';
import { startTestApp, TestApp } from '../support/app';
import { checkInvariants, checkQueuedOutcomes } from '../support/invariants';
import { ledgerClient } from '../support/ledger-client';
import { waitFor } from '../support/wait';

const LANES = 8;

/**
 * What an ordinary client could do to the landed engine before issue 10, each as a request that
 * must now be refused or must not move money wrongly: engine flags in client metadata, links
 * forged through metadata, the X / X_q reference race, per-balance order across lanes, refunds
 * recognised by reference suffix, and a lane wedged by one failing item.
 */
describe('the engine cannot be misused through ordinary requests', () => {
  let t: TestApp;
  let ledger: string;
  let c: ReturnType<typeof ledgerClient>;
  const queued = (body: Record<string, unknown>) =>
    t.http('POST', '/transactions', { currency: 'USD', description: 'd', ...body });
  const pending = async () =>
    (await t.ds.query(`SELECT count(*)::int AS n FROM queued_work`))[0].n as number;
  const drained = () => waitFor(async () => ((await pending()) === 0 ? true : undefined));
  const outcome = async (reference: string) =>
    (await t.http('GET', `/transactions/reference/${reference}_q`)).json;

  beforeAll(async () => {
    t = await startTestApp({ queueSettings: new QueueSettings(LANES, 500, 100000, 200) });
    ledger = (await t.http('POST', '/ledgers', { name: 'misuse' })).json.ledger_id;
    c = ledgerClient(t, () => ledger);
  });
  afterAll(async () => {
    await drained();
    expect(await checkInvariants(t.ds)).toEqual([]);
    expect(await checkQueuedOutcomes(t.ds)).toEqual([]);
    await t.close();
  });

  describe('engine keys in meta_data are refused with 400, naming the key', () => {
    it.each([
      ['allow_overdraft', true],
      ['inflight', true],
      ['atomic', true],
      ['QUEUED_PARENT_TRANSACTION', 'txn_x'],
      ['BLNK_GENERATED_BY', 'key'],
      ['blnk_rejection_reason', 'x'],
      ['sequence', 1],
    ])('%s on a queued transfer', async (key, value) => {
      const [a, b] = [await c.balance(), await c.balance()];
      const r = await queued({
        source: a,
        destination: b,
        precise_amount: 100,
        reference: `meta-${key}`,
        meta_data: { note: 'x', [key]: value },
      });
      expect(r.status).toBe(400);
      expect(r.json.error_detail.code).toBe('GEN_VALIDATION_ERROR');
      expect(r.json.error).toContain(key);
      expect((await t.http('GET', `/transactions/reference/meta-${key}`)).status).toBe(404);
    });

    it('in a bulk item, naming the item', async () => {
      const [a, b] = [await c.balance(), await c.balance()];
      const item = { source: a, destination: b, precise_amount: 1, currency: 'USD' };
      const r = await t.http('POST', '/transactions/bulk', {
        transactions: [
          { ...item, reference: 'bm-1', description: 'd' },
          { ...item, reference: 'bm-2', description: 'd', meta_data: { allow_overdraft: true } },
        ],
      });
      expect(r.status).toBe(400);
      expect(r.json.error).toContain('transactions[1].meta_data');
      expect((await t.http('GET', `/transactions/reference/bm-1`)).status).toBe(404);
    });

    it('on a ledger, a balance and an identity', async () => {
      for (const [path, body] of [
        ['/ledgers', { name: 'l', meta_data: { tokenized_fields: [] } }],
        ['/balances', { ledger_id: ledger, currency: 'USD', meta_data: { reconciled: true } }],
        ['/identities', { first_name: 'a', meta_data: { BLNK_GENERATED_BY: 'me' } }],
      ] as const) {
        const r = await t.http('POST', path, body);
        expect(r.status).toBe(400);
        expect(r.json.error_detail.code).toBe('GEN_VALIDATION_ERROR');
      }
    });

    it('through the metadata route: a scheduled transfer cannot be made to overdraw', async () => {
      const [a, b] = [await c.balance(), await c.balance()];
      const at = new Date(Date.now() + 1500).toISOString().replace(/\.\d+Z$/, 'Z');
      const r = await queued({
        source: a,
        destination: b,
        precise_amount: 500,
        reference: 'sched-od',
        scheduled_for: at,
      });
      expect(r.status).toBe(201);
      expect(r.json.status).toBe('SCHEDULED');
      const id = r.json.transaction_id;
      const forged = await t.http('POST', `/${id}/metadata`, {
        meta_data: { allow_overdraft: true },
      });
      expect(forged.status).toBe(400);
      expect(forged.json.error).toContain('allow_overdraft');
      // A key of the client's own is fine, and changes nothing about the money.
      expect((await t.http('POST', `/${id}/metadata`, { meta_data: { note: 1 } })).status).toBe(
        200,
      );
      const o = await waitFor(async () => {
        const x = await t.http('GET', '/transactions/reference/sched-od_q');
        return x.status === 200 ? x.json : undefined;
      });
      expect(o.status).toBe('REJECTED');
      expect(o.meta_data.blnk_rejection_reason).toMatch(/insufficient funds/);
      expect(await c.amountsOf(a)).toMatchObject({ balance: 0n });
    });
  });

  it('allow_overdraft on the request is what a worker applies, and shows in meta_data', async () => {
    const [a, b] = [await c.balance(), await c.balance()];
    const ok = await queued({
      source: a,
      destination: b,
      precise_amount: 70,
      reference: 'od-col',
      allow_overdraft: true,
      meta_data: { mine: 1 },
    });
    expect(ok.status).toBe(201);
    expect(ok.json.allow_overdraft).toBe(true);
    await drained();
    const o = await outcome('od-col');
    expect(o.status).toBe('APPLIED');
    expect(o.meta_data).toEqual({
      mine: 1,
      allow_overdraft: true,
      QUEUED_PARENT_TRANSACTION: ok.json.transaction_id,
    });
    expect(await c.amountsOf(a)).toMatchObject({ balance: -70n });
  });

  it('committing one queued hold commits only that hold', async () => {
    const [a, b] = [await c.balance(), await c.balance()];
    await c.fund(a, 300, 'h-fund');
    const hold = (reference: string) =>
      queued({ source: a, destination: b, precise_amount: 100, reference, inflight: true });
    const h1 = (await hold('h-1')).json.transaction_id;
    const h2 = (await hold('h-2')).json.transaction_id;
    await drained();
    expect(
      (await t.http('PUT', `/transactions/inflight/${h1}`, { status: 'commit', skip_queue: true }))
        .status,
    ).toBe(200);
    expect(await c.amountsOf(a)).toMatchObject({
      debit_balance: 100n,
      inflight_debit_balance: 100n,
    });
    expect((await outcome('h-2')).status).toBe('INFLIGHT');
    expect(h2).not.toBe(h1);
  });

  describe('the X / X_q reference race', () => {
    it('exactly one of a queued X and a skip_queue X_q is accepted, and the lane keeps draining', async () => {
      const [a, b] = [await c.balance(), await c.balance()];
      await c.fund(a, 10_000, 'xq-fund');
      const pairs = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          Promise.all([
            queued({ source: a, destination: b, precise_amount: 1, reference: `xq-${i}` }),
            c.txn({ source: a, destination: b, precise_amount: 1, reference: `xq-${i}_q` }),
          ]),
        ),
      );
      for (const [q, s] of pairs) {
        expect([q.status, s.status].sort()).toEqual([201, 409]);
        const loser = q.status === 409 ? q : s;
        expect(loser.json.error_detail.code).toBe('TXN_DUPLICATE_REFERENCE');
      }
      // Later, unrelated work in every lane is still applied.
      const after = await queued({
        source: a,
        destination: b,
        precise_amount: 1,
        reference: 'xq-after',
      });
      expect(after.status).toBe(201);
      await drained();
      expect((await outcome('xq-after')).status).toBe('APPLIED');
      // Each pair moved its 1 once (whichever won), and the later transfer its own 1.
      expect(await c.amountsOf(b)).toMatchObject({ credit_balance: 11n });
    });

    it('the database itself refuses X_q while queued X waits for it', async () => {
      const [a, b] = [await c.balance(), await c.balance()];
      await t.ds.query(`
        INSERT INTO transactions (transaction_id, source, destination, reference, amount, precise_amount, currency, status, hash)
        VALUES ('txn_db_x', '${a}', '${b}', 'dbx', 1, 1, 'USD', 'QUEUED', 'h')`);
      await expect(
        t.ds.query(`
          INSERT INTO transactions (transaction_id, source, destination, reference, amount, precise_amount, currency, status, hash)
          VALUES ('txn_db_xq', '${a}', '${b}', 'dbx_q', 1, 1, 'USD', 'APPLIED', 'h')`),
      ).rejects.toThrow(/reference_claims_pkey/);
      // Its outcome may take it: it claims nothing of its own.
      await t.ds.query(`
        INSERT INTO transactions (transaction_id, source, destination, reference, amount, precise_amount, currency, status, hash, outcome_of, rejection_reason)
        VALUES ('txn_db_xo', '${a}', '${b}', 'dbx_q', 1, 1, 'USD', 'REJECTED', 'h', 'txn_db_x', 'test')`);
    });
  });

  it("a split's own reference is taken: no later request, queued or not, can use it", async () => {
    const [a, b, y] = [await c.balance(), await c.balance(), await c.balance()];
    await c.fund(a, 100, 'sr-fa');
    for (const [ref, skip_queue] of [
      ['sr-sync', true],
      ['sr-queued', false],
    ] as const) {
      const split = await queued({
        skip_queue,
        source: a,
        destinations: [
          { identifier: b, distribution: '50%' },
          { identifier: y, distribution: 'left' },
        ],
        precise_amount: 10,
        reference: ref,
      });
      expect(split.status).toBe(201);
      for (const again of [true, false]) {
        const r = await queued({
          skip_queue: again,
          source: a,
          destination: b,
          precise_amount: 1,
          reference: ref,
        });
        expect(r.status).toBe(409);
        expect(r.json.error_detail.code).toBe('TXN_DUPLICATE_REFERENCE');
      }
    }
  });

  describe('refunds are found by column, not by reference', () => {
    it('a transfer whose own reference ends in _refund can be refunded', async () => {
      const [a, b] = [await c.balance(), await c.balance()];
      await c.fund(a, 100, 'rf-fund');
      const t1 = (
        await c.txn({ source: a, destination: b, precise_amount: 40, reference: 'payout_refund' })
      ).json.transaction_id;
      const r = await t.http('POST', `/refund-transaction/${t1}`, { skip_queue: true });
      expect(r.status).toBe(201);
      expect(r.json.reference).toBe(`${t1}_refund`);
      expect(await c.amountsOf(b)).toMatchObject({ balance: 0n });
    });

    it('a client row referenced <T>_refund does not block the refund of T; a second refund is refused', async () => {
      const [a, b] = [await c.balance(), await c.balance()];
      await c.fund(a, 100, 'rf2-fund');
      const t1 = (await c.txn({ source: a, destination: b, precise_amount: 30, reference: 'rf2' }))
        .json.transaction_id;
      expect(
        (await c.txn({ source: a, destination: b, precise_amount: 1, reference: `${t1}_refund` }))
          .status,
      ).toBe(201);
      const r = await t.http('POST', `/refund-transaction/${t1}`, {});
      expect(r.status).toBe(201);
      expect(r.json.reference).not.toBe(`${t1}_refund`);
      expect(r.json.reference).toMatch(new RegExp(`^${t1}_refund_`));
      const again = await t.http('POST', `/refund-transaction/${t1}`, { skip_queue: true });
      expect(again.status).toBe(409);
      expect(again.json.error).toMatch(/already been refunded/);
      await drained();
      expect(await c.amountsOf(b)).toMatchObject({ balance: 1n });
    });
  });
});

/**
 * Per-balance order: the lanes are drained by hand, in the order that broke it (the later
 * request's lane first), so the result does not depend on timing.
 */
describe('per-balance acceptance order across lanes', () => {
  let t: TestApp;
  let ledger: string;
  let c: ReturnType<typeof ledgerClient>;
  let drain: DrainLaneUseCase;
  const queued = (body: Record<string, unknown>) =>
    t.http('POST', '/transactions', { currency: 'USD', description: 'd', ...body });
  const outcome = async (reference: string) =>
    (await t.http('GET', `/transactions/reference/${reference}_q`)).json;
  /** Two balances whose home lanes differ. */
  const twoLanes = async (): Promise<[string, string]> => {
    const a = await c.balance();
    for (;;) {
      const b = await c.balance();
      if (laneOf(a, LANES) !== laneOf(b, LANES)) return [a, b];
    }
  };

  beforeAll(async () => {
    t = await startTestApp({
      workers: false,
      queueSettings: new QueueSettings(LANES, 500, 100000, 60000),
    });
    ledger = (await t.http('POST', '/ledgers', { name: 'order' })).json.ledger_id;
    c = ledgerClient(t, () => ledger);
    drain = t.app.get(DrainLaneUseCase);
  });
  afterAll(async () => {
    for (let round = 0; round < 3; round++)
      for (let lane = 0; lane < LANES; lane++) await drain.execute(lane);
    expect(await checkInvariants(t.ds)).toEqual([]);
    expect(await checkQueuedOutcomes(t.ds)).toEqual([]);
    await t.close();
  });

  it('a multi-source split is applied before a later debit of its second source', async () => {
    const [a, b] = await twoLanes();
    const y = await c.balance();
    await c.fund(a, 100, 'ms-fa');
    await c.fund(b, 100, 'ms-fb');
    expect(
      (
        await queued({
          sources: [
            { identifier: a, distribution: '50%' },
            { identifier: b, distribution: 'left' },
          ],
          destination: y,
          precise_amount: 200,
          reference: 'ms-split',
        })
      ).status,
    ).toBe(201);
    expect(
      (await queued({ source: b, destination: y, precise_amount: 100, reference: 'ms-b' })).status,
    ).toBe(201);
    expect(await drain.execute(laneOf(b, LANES))).toBe(0);
    expect(await drain.execute(laneOf(a, LANES))).toBe(2);
    expect(await drain.execute(laneOf(b, LANES))).toBe(1);
    expect((await outcome('ms-split_1')).status).toBe('APPLIED');
    expect((await outcome('ms-split_2')).status).toBe('APPLIED');
    expect((await outcome('ms-b')).status).toBe('REJECTED');
    expect(await c.amountsOf(y)).toMatchObject({ balance: 200n });
  });

  it('fund, then spend: a queued debit waits for the earlier queued credit from another lane', async () => {
    const [funder, a] = await twoLanes();
    const b = await c.balance();
    await c.fund(funder, 100, 'fs-f');
    expect(
      (await queued({ source: funder, destination: a, precise_amount: 80, reference: 'fs-credit' }))
        .status,
    ).toBe(201);
    expect(
      (await queued({ source: a, destination: b, precise_amount: 80, reference: 'fs-spend' }))
        .status,
    ).toBe(201);
    expect(await drain.execute(laneOf(a, LANES))).toBe(0);
    await drain.execute(laneOf(funder, LANES));
    await drain.execute(laneOf(a, LANES));
    expect((await outcome('fs-credit')).status).toBe('APPLIED');
    expect((await outcome('fs-spend')).status).toBe('APPLIED');
    expect(await c.amountsOf(b)).toMatchObject({ balance: 80n });
  });

  it('a debit the balance covers without an earlier credit from another lane is applied at once, as in order', async () => {
    const [funder, a] = await twoLanes();
    const b = await c.balance();
    await c.fund(funder, 100, 'fc-f');
    await c.fund(a, 50, 'fc-a');
    expect(
      (await queued({ source: funder, destination: a, precise_amount: 80, reference: 'fc-credit' }))
        .status,
    ).toBe(201);
    expect(
      (await queued({ source: a, destination: b, precise_amount: 50, reference: 'fc-spend' }))
        .status,
    ).toBe(201);
    expect(
      (await queued({ source: a, destination: b, precise_amount: 60, reference: 'fc-more' }))
        .status,
    ).toBe(201);
    // 50 is there already: applied now; 60 needs the credit: it waits (not REJECTED).
    expect(await drain.execute(laneOf(a, LANES))).toBe(1);
    expect((await outcome('fc-spend')).status).toBe('APPLIED');
    expect((await t.http('GET', '/transactions/reference/fc-more_q')).status).toBe(404);
    await drain.execute(laneOf(funder, LANES));
    await drain.execute(laneOf(a, LANES));
    expect((await outcome('fc-more')).status).toBe('APPLIED');
    expect(await c.amountsOf(a)).toMatchObject({ balance: 20n });
  });

  it('an atomic queued batch is applied before a later debit of a balance it debits', async () => {
    const [a, b] = await twoLanes();
    const [x, y] = [await c.balance(), await c.balance()];
    await c.fund(a, 10, 'ab-fa');
    await c.fund(b, 10, 'ab-fb');
    const batch = await t.http('POST', '/transactions/bulk', {
      atomic: true,
      transactions: [
        {
          source: a,
          destination: x,
          precise_amount: 10,
          currency: 'USD',
          reference: 'ab-1',
          description: 'd',
        },
        {
          source: b,
          destination: y,
          precise_amount: 10,
          currency: 'USD',
          reference: 'ab-2',
          description: 'd',
        },
      ],
    });
    expect(batch.status).toBe(201);
    expect(
      (await queued({ source: b, destination: x, precise_amount: 10, reference: 'ab-later' }))
        .status,
    ).toBe(201);
    await drain.execute(laneOf(b, LANES));
    await drain.execute(laneOf(a, LANES));
    await drain.execute(laneOf(b, LANES));
    expect((await outcome('ab-1')).status).toBe('APPLIED');
    expect((await outcome('ab-2')).status).toBe('APPLIED');
    expect((await outcome('ab-later')).status).toBe('REJECTED');
  });

  it('a credit from another lane does not wait for anything', async () => {
    const [a, b] = await twoLanes();
    const z = await c.balance();
    await c.fund(a, 5, 'cr-fa');
    await c.fund(b, 1, 'cr-fb');
    // b has earlier work of its own lane pending; a's credit to b is not held back by it.
    expect(
      (await queued({ source: b, destination: z, precise_amount: 1, reference: 'cr-b' })).status,
    ).toBe(201);
    expect(
      (await queued({ source: a, destination: b, precise_amount: 5, reference: 'cr-a' })).status,
    ).toBe(201);
    expect(await drain.execute(laneOf(a, LANES))).toBe(1);
    expect((await outcome('cr-a')).status).toBe('APPLIED');
    await drain.execute(laneOf(b, LANES));
    expect((await outcome('cr-b')).status).toBe('APPLIED');
  });
});

/** A group that fails for another reason than a refusal is retried, then rejected: the lane moves on. */
describe('no wedged lanes', () => {
  let t: TestApp;
  let c: ReturnType<typeof ledgerClient>;
  let drain: DrainLaneUseCase;

  beforeAll(async () => {
    t = await startTestApp({
      workers: false,
      queueSettings: new QueueSettings(LANES, 500, 100000, 60000, false, 3),
    });
    const ledger = (await t.http('POST', '/ledgers', { name: 'wedge' })).json.ledger_id;
    c = ledgerClient(t, () => ledger);
    drain = t.app.get(DrainLaneUseCase);
    // A fault the engine cannot refuse its way out of: the outcome row of one request cannot be
    // written (as if a constraint broke), until it is written as REJECTED.
    await t.ds.query(`
      CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'poisoned outcome %', NEW.reference; END $$`);
    await t.ds.query(`
      CREATE TRIGGER poison BEFORE INSERT ON transactions FOR EACH ROW
      WHEN (NEW.reference = 'poison_q' AND NEW.status <> 'REJECTED') EXECUTE FUNCTION poison()`);
  });
  afterAll(async () => {
    expect(await checkInvariants(t.ds)).toEqual([]);
    expect(await checkQueuedOutcomes(t.ds)).toEqual([]);
    await t.close();
  });

  it('retries the failing request with its attempts recorded, then rejects it with the reason; the rest of the lane is applied', async () => {
    const [a, b] = [await c.balance(), await c.balance()];
    await c.fund(a, 100, 'w-fund');
    const post = (reference: string) =>
      t.http('POST', '/transactions', {
        source: a,
        destination: b,
        precise_amount: 10,
        currency: 'USD',
        description: 'd',
        reference,
      });
    for (const r of ['before', 'poison', 'after-1', 'after-2'])
      expect((await post(r)).status).toBe(201);
    const lane = laneOf(a, LANES);
    await drain.execute(lane);
    const [item] = await t.ds.query(
      `SELECT w.attempts, w.last_error FROM queued_work w JOIN transactions q ON q.transaction_id = w.transaction_id WHERE q.reference = 'poison'`,
    );
    expect(item.attempts).toBe(1);
    expect(item.last_error).toMatch(/poisoned outcome poison_q/);
    await drain.execute(lane);
    await drain.execute(lane);
    const ref = async (r: string) => (await t.http('GET', `/transactions/reference/${r}`)).json;
    expect((await ref('before_q')).status).toBe('APPLIED');
    const rejected = await ref('poison_q');
    expect(rejected.status).toBe('REJECTED');
    expect(rejected.meta_data.blnk_rejection_reason).toMatch(/failed 3 times: poisoned outcome/);
    expect((await ref('after-1_q')).status).toBe('APPLIED');
    expect((await ref('after-2_q')).status).toBe('APPLIED');
    expect(await c.amountsOf(b)).toMatchObject({ balance: 30n });
  });
});
