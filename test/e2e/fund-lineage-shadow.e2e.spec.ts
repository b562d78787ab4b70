import { fingerprint } from '../support/fingerprint';
import { checkInvariants } from '../support/invariants';
import { parseBig, startTestApp, TestApp } from '../support/app';
import { pendingShadows, shadowMismatches, shadowsCaughtUp } from '../support/lineage-shadows';
import { LineageShadowJob } from '../../src/modules/lineage/interface/jobs/lineage-shadow.job';
import { ProjectShadowsUseCase } from '../../src/modules/lineage/application/project-shadows.use-case';
import { waitFor } from '../support/wait';
import { ledgerClient } from '../support/ledger-client';

/**
 * Fund lineage's shadow balances and shadow transactions (reference §2.3, §2.5.3, §15) through
 * real HTTP: the projection of the typed lineage tables posted after commit by the
 * LineageShadowJob, Blnk's shapes with real shadow ids, holds mirrored, exactly once across a
 * stopped projection, a round that fails half-way and several projecting processes, and the
 * shadow balances closed to client money. Runs on whatever backend the environment configures
 * (PostgreSQL + Redis, or embedded PGlite; scripts/test.sh runs it in both).
 */
describe('fund lineage shadows', () => {
  let t: TestApp;
  let ledger: string;
  let identity: string;
  let n = 0;
  const ref = (p: string) => `${p}-${++n}`;

  const tracked = async (app: TestApp = t, strategy = 'FIFO') => {
    const r = await app.http('POST', '/balances', {
      ledger_id: ledger,
      currency: 'USD',
      identity_id: identity,
      track_fund_lineage: true,
      allocation_strategy: strategy,
    });
    expect(r.status).toBe(201);
    return r.json.balance_id as string;
  };
  const plain = async (app: TestApp = t) =>
    (await app.http('POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json
      .balance_id as string;
  const send = (body: Record<string, unknown>, app: TestApp = t) =>
    app.http('POST', '/transactions', {
      skip_queue: true,
      currency: 'USD',
      description: 'shadow',
      reference: ref('tx'),
      ...body,
    });
  const credit = async (to: string, amount: bigint | number, provider: string, app = t) => {
    const r = await send(
      {
        source: '@World',
        destination: to,
        precise_amount: amount.toString(),
        allow_overdraft: true,
        meta_data: { BLNK_LINEAGE_PROVIDER: provider },
      },
      app,
    );
    expect(r.status).toBe(201);
    return r.json as { transaction_id: string; reference: string };
  };
  const spend = async (from: string, to: string, amount: number, extra = {}, app = t) => {
    const r = await send(
      { source: from, destination: to, precise_amount: amount.toString(), ...extra },
      app,
    );
    expect(r.status).toBe(201);
    return r.json as { transaction_id: string; reference: string };
  };
  const lineage = async (balance: string, app = t) => {
    const r = await app.http('GET', `/balances/${balance}/lineage`);
    expect(r.status).toBe(200);
    return parseBig(r.text);
  };
  const txLineage = async (txn: string, app = t) => {
    const r = await app.http('GET', `/transactions/${txn}/lineage`);
    expect(r.status).toBe(200);
    return parseBig(r.text);
  };
  const balance = async (id: string, app = t) => {
    const r = await app.http('GET', `/balances/${id}`);
    expect(r.status).toBe(200);
    return parseBig(r.text);
  };

  beforeAll(async () => {
    t = await startTestApp();
    ledger = (await t.http('POST', '/ledgers', { name: 'shadows' })).json.ledger_id;
    identity = (await t.http('POST', '/identities', { first_name: 'Ada', last_name: 'Lovelace' }))
      .json.identity_id;
  });
  afterAll(async () => {
    await shadowsCaughtUp(t.ds);
    expect(await shadowMismatches(t.ds)).toEqual([]);
    expect(await checkInvariants(t.ds)).toEqual([]);
    await t.close();
  });

  it('credits and spends have shadow balances and shadow transactions with Blnk shapes', async () => {
    const a = await tracked();
    const c = await tracked();
    const out = await plain();
    const stripe = await credit(a, 3000, 'stripe');
    await credit(a, 2000, 'paypal');
    const toPlain = await spend(a, out, 3500);
    const toTracked = await spend(a, c, 1000);
    await shadowsCaughtUp(t.ds);

    const body = await lineage(a);
    expect(body.aggregate_balance_id).toMatch(/^bln_/);
    expect(body.total_with_lineage).toBe(500n);
    const [s, p] = body.providers;
    expect(s).toMatchObject({ provider: 'stripe', amount: 3000n, spent: 3000n, available: 0n });
    expect(p).toMatchObject({ provider: 'paypal', amount: 2000n, spent: 1500n, available: 500n });
    expect(s.shadow_balance_id).toMatch(/^bln_/);
    expect(p.shadow_balance_id).toMatch(/^bln_/);
    expect(
      new Set([s.shadow_balance_id, p.shadow_balance_id, body.aggregate_balance_id]).size,
    ).toBe(3);

    // The shadow balances are real balances: amount = debits, spent = credits.
    const sb = await balance(s.shadow_balance_id);
    expect(sb).toMatchObject({
      indicator: `@stripe_${a}_lineage`,
      ledger_id: 'general_ledger_id',
      currency: 'USD',
      debit_balance: 3000n,
      credit_balance: 3000n,
    });
    const agg = await balance(body.aggregate_balance_id);
    expect(agg).toMatchObject({ indicator: `@${a}_lineage`, balance: 500n });

    // The credit's shadow: from the shadow balance to the aggregate, Blnk's reference and keys.
    const credited = await txLineage(stripe.transaction_id);
    expect(credited.fund_allocation).toBeUndefined();
    expect(credited.shadow_transactions).toHaveLength(1);
    expect(credited.shadow_transactions[0]).toMatchObject({
      reference: `${stripe.reference}_shadow_stripe`,
      source: s.shadow_balance_id,
      destination: body.aggregate_balance_id,
      precise_amount: 3000n,
      status: 'APPLIED',
      allow_overdraft: true,
      meta_data: {
        _shadow_for: stripe.transaction_id,
        _provider: 'stripe',
        _identity_id: identity,
        _lineage_type: 'credit',
        _main_balance: a,
      },
    });

    // A spend to a plain balance releases each provider it drew on, in allocation order.
    const released = await txLineage(toPlain.transaction_id);
    expect(released.fund_allocation).toEqual([
      { provider: 'stripe', amount: 3000n },
      { provider: 'paypal', amount: 500n },
    ]);
    expect(
      released.shadow_transactions.map((x: any) => [x.reference, x.source, x.destination]),
    ).toEqual([
      [`${toPlain.reference}_release_stripe`, body.aggregate_balance_id, s.shadow_balance_id],
      [`${toPlain.reference}_release_paypal`, body.aggregate_balance_id, p.shadow_balance_id],
    ]);

    // A spend to a tracked balance: released here, received there.
    const moved = await txLineage(toTracked.transaction_id);
    const cl = await lineage(c);
    expect(moved.shadow_transactions.map((x: any) => x.reference)).toEqual([
      `${toTracked.reference}_release_paypal`,
      `${toTracked.reference}_receive_paypal`,
    ]);
    expect(moved.shadow_transactions[1]).toMatchObject({
      source: cl.providers[0].shadow_balance_id,
      destination: cl.aggregate_balance_id,
      meta_data: { _lineage_type: 'receive', _main_balance: c },
    });
    expect(cl.providers[0]).toMatchObject({ provider: 'paypal', amount: 1000n, spent: 0n });
    expect(await shadowMismatches(t.ds)).toEqual([]);
  });

  it('holds, partial commits and voids are mirrored on the shadow balance', async () => {
    const a = await tracked();
    const out = await plain();
    await credit(a, 1000, 'stripe');
    const hold = await spend(a, out, 600, { inflight: true });
    await shadowsCaughtUp(t.ds);
    const before = await lineage(a);
    const shadowId = before.providers[0].shadow_balance_id;
    expect(before.providers[0]).toMatchObject({ spent: 0n, held: 600n });
    expect(await balance(shadowId)).toMatchObject({
      debit_balance: 1000n,
      credit_balance: 0n,
      inflight_credit_balance: 600n,
    });
    const [shadowHold] = (await txLineage(hold.transaction_id)).shadow_transactions;
    expect(shadowHold).toMatchObject({
      reference: `${hold.reference}_release_stripe`,
      status: 'INFLIGHT',
      precise_amount: 600n,
    });

    const settle = async (body: Record<string, unknown>) => {
      const r = await t.http('PUT', `/transactions/inflight/${hold.transaction_id}`, {
        skip_queue: true,
        ...body,
      });
      expect(r.status).toBe(200);
      await shadowsCaughtUp(t.ds);
    };
    await settle({ status: 'commit', precise_amount: 250 });
    expect(await balance(shadowId)).toMatchObject({
      credit_balance: 250n,
      inflight_credit_balance: 350n,
    });
    await settle({ status: 'void' });
    expect(await balance(shadowId)).toMatchObject({
      debit_balance: 1000n,
      credit_balance: 250n,
      inflight_credit_balance: 0n,
    });
    const settled = await t.ds.query(
      `SELECT status, precise_amount::text AS amount, meta_data->>'_lineage_type' AS type
       FROM transactions WHERE settles = $1 ORDER BY created_at`,
      [shadowHold.transaction_id],
    );
    expect(settled).toEqual([
      { status: 'APPLIED', amount: '250', type: 'shadow_commit' },
      { status: 'VOID', amount: '350', type: 'shadow_void' },
    ]);
    expect((await lineage(a)).providers[0]).toMatchObject({ amount: 1000n, spent: 250n, held: 0n });
    expect(await shadowMismatches(t.ds)).toEqual([]);
  });

  it('a queued hold and its queued commit are mirrored too', async () => {
    const a = await tracked();
    const out = await plain();
    await credit(a, 800, 'wise');
    const hold = await spend(a, out, 500, { inflight: true, skip_queue: false });
    await waitFor(async () => ((await lineage(a)).providers[0].held === 500n ? true : undefined));
    const commit = await t.http('PUT', `/transactions/inflight/${hold.transaction_id}`, {
      status: 'commit',
    });
    expect(commit.status).toBe(200);
    await waitFor(async () => ((await lineage(a)).providers[0].spent === 500n ? true : undefined));
    await shadowsCaughtUp(t.ds);
    const l = await lineage(a);
    expect(await balance(l.providers[0].shadow_balance_id)).toMatchObject({
      debit_balance: 800n,
      credit_balance: 500n,
      inflight_credit_balance: 0n,
    });
    const shadows = (await txLineage(hold.transaction_id)).shadow_transactions;
    expect(shadows.map((x: any) => [x.reference, x.status])).toEqual([
      [`${hold.reference}_release_wise`, 'INFLIGHT'],
    ]);
    expect(await shadowMismatches(t.ds)).toEqual([]);
  });

  it('a queued credit and spend are projected under the reference the client knows', async () => {
    const a = await tracked();
    const out = await plain();
    const r = await t.http('POST', '/transactions', {
      source: '@World',
      destination: a,
      currency: 'USD',
      description: 'queued',
      precise_amount: 700,
      allow_overdraft: true,
      reference: ref('queued'),
      meta_data: { BLNK_LINEAGE_PROVIDER: 'adyen' },
    });
    expect(r.status).toBe(201);
    // The worker applies it; then its allocation is projected.
    await waitFor(async () => ((await lineage(a)).providers.length === 1 ? true : undefined));
    await spend(a, out, 100);
    await shadowsCaughtUp(t.ds);
    const shadows = (await txLineage(r.json.transaction_id)).shadow_transactions;
    expect(shadows).toHaveLength(1);
    expect(shadows[0]).toMatchObject({
      reference: `${r.json.reference}_shadow_adyen`,
      meta_data: { _shadow_for: r.json.transaction_id },
    });
  });

  it('concurrent spends, with two processes projecting: every allocation projected once', async () => {
    const second = await startTestApp({ shareDatabaseOf: t });
    try {
      const a = await tracked(t, 'PROPORTIONAL');
      const c = await tracked(t, 'LIFO');
      const out = await plain();
      for (const [i, provider] of ['stripe', 'paypal', 'wise'].entries())
        await credit(a, 10_000 + i * 777, provider);
      const rounds = second.app.get(ProjectShadowsUseCase);
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          send(
            {
              source: a,
              destination: i % 3 ? out : c,
              precise_amount: String(101 + i * 37),
              ...(i % 4 ? {} : { skip_queue: false }),
            },
            i % 2 ? second : t,
          ),
        ).concat(
          Array.from({ length: 4 }, () => rounds.round().then(() => ({ status: 201 }) as any)),
        ),
      );
      expect(results.every((x) => x.status === 201)).toBe(true);
      await shadowsCaughtUp(t.ds);
      // Workers may still be applying the queued spends: wait for the queue, then the shadows.
      await waitFor(async () => {
        const [q] = await t.ds.query(
          `SELECT count(*)::int AS n FROM transactions q WHERE q.status = 'QUEUED'
             AND NOT EXISTS (SELECT 1 FROM transactions o WHERE o.outcome_of = q.transaction_id)`,
        );
        return q.n === 0 && (await pendingShadows(t.ds)) === 0 ? true : undefined;
      });
      expect(await shadowMismatches(t.ds)).toEqual([]);
      expect(await checkInvariants(t.ds)).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('refuses client money on shadow balances and the shadow keys, writing nothing', async () => {
    const a = await tracked();
    await credit(a, 500, 'stripe');
    await shadowsCaughtUp(t.ds);
    const l = await lineage(a);
    const shadow = l.providers[0].shadow_balance_id as string;
    const [shadowTx] = (
      await t.ds.query(
        `SELECT shadow_transaction_id AS id FROM lineage_shadow_postings
         WHERE shadow_transaction_id IS NOT NULL LIMIT 1`,
      )
    ).map((r: { id: string }) => r.id);
    const before = await fingerprint(t.ds);
    const refused = [
      await send({ source: '@World', destination: shadow, amount: 5, allow_overdraft: true }),
      await send({ source: shadow, destination: '@World', amount: 5, allow_overdraft: true }),
      await send({
        source: '@World',
        destination: `@stripe_${a}_lineage`,
        amount: 5,
        allow_overdraft: true,
      }),
      await send({
        source: '@World',
        destination: `@brand_new_lineage`,
        amount: 5,
        allow_overdraft: true,
      }),
      await send({
        source: l.aggregate_balance_id,
        destination: '@World',
        amount: 5,
        inflight: true,
        allow_overdraft: true,
      }),
      await t.http('POST', `/refund-transaction/${shadowTx}`, { skip_queue: true }),
    ];
    for (const r of refused) {
      expect(r.status).toBe(400);
      expect(r.json.error_detail.code).toBe('TXN_VALIDATION_ERROR');
    }
    const reserved = await t.http('POST', '/balances', {
      ledger_id: 'general_ledger_id',
      currency: 'USD',
      indicator: '@mine_lineage',
    });
    expect(reserved.status).toBe(400);
    expect(reserved.json.error_detail.code).toBe('GEN_VALIDATION_ERROR');
    for (const key of [
      '_provider',
      '_identity_id',
      '_lineage_type',
      '_main_balance',
      '_shadow_for',
    ]) {
      const r = await send({
        source: '@World',
        destination: a,
        amount: 5,
        allow_overdraft: true,
        meta_data: { [key]: 'x' },
      });
      expect(r.status).toBe(400);
      expect(r.json.error_detail.code).toBe('GEN_VALIDATION_ERROR');
      const m = await t.http('POST', `/${shadowTx}/metadata`, { meta_data: { [key]: 'x' } });
      expect(m.status).toBe(400);
    }
    expect(await fingerprint(t.ds)).toEqual(before);
  });

  it('a shadow reference a client already took: the projection uses its own', async () => {
    const a = await tracked();
    const reference = ref('taken');
    const squat = await send({
      reference: `${reference}_shadow_stripe`,
      source: '@World',
      destination: await plain(),
      amount: 1,
      allow_overdraft: true,
    });
    expect(squat.status).toBe(201);
    const r = await send({
      reference,
      source: '@World',
      destination: a,
      precise_amount: 40,
      allow_overdraft: true,
      meta_data: { BLNK_LINEAGE_PROVIDER: 'stripe' },
    });
    expect(r.status).toBe(201);
    await shadowsCaughtUp(t.ds);
    const [shadow] = (await txLineage(r.json.transaction_id)).shadow_transactions;
    expect(shadow.reference).toMatch(new RegExp(`^${reference}_shadow_stripe_\\d+$`));
    expect(shadow.precise_amount).toBe(40n);
  });
});

describe('fund lineage shadows: a stopped or failing projection catches up exactly once', () => {
  let t: TestApp;
  let ledger: string;
  let identity: string;

  beforeAll(async () => {
    // No background work: the projection runs only when a test starts it.
    t = await startTestApp({ workers: false });
    ledger = (await t.http('POST', '/ledgers', { name: 'shadows' })).json.ledger_id;
    identity = (await t.http('POST', '/identities', { first_name: 'Grace', last_name: 'Hopper' }))
      .json.identity_id;
  });
  afterAll(async () => {
    expect(await checkInvariants(t.ds)).toEqual([]);
    await t.close();
  });

  it('money moved while the projection is stopped is projected once it starts', async () => {
    const { txn: post, balance: plainBalance } = ledgerClient(t, () => ledger);
    const a = (
      await t.http('POST', '/balances', {
        ledger_id: ledger,
        currency: 'USD',
        identity_id: identity,
        track_fund_lineage: true,
      })
    ).json.balance_id;
    const out = await plainBalance();
    for (let i = 0; i < 5; i++) {
      const r = await post({
        reference: `stopped-in-${i}`,
        source: '@World',
        destination: a,
        precise_amount: 1000 + i,
        allow_overdraft: true,
        meta_data: { BLNK_LINEAGE_PROVIDER: i % 2 ? 'stripe' : 'paypal' },
      });
      expect(r.status).toBe(201);
    }
    for (let i = 0; i < 3; i++) {
      const r = await post({
        reference: `stopped-out-${i}`,
        source: a,
        destination: out,
        precise_amount: 1500,
      });
      expect(r.status).toBe(201);
    }
    // The money moves committed; their shadows wait. The breakdown is already exact.
    const pending = await pendingShadows(t.ds);
    expect(pending).toBeGreaterThanOrEqual(8);
    const early = parseBig((await t.http('GET', `/balances/${a}/lineage`)).text);
    expect(early.total_with_lineage).toBe(5010n - 4500n);
    expect(early.aggregate_balance_id).toBe('');
    expect(early.providers.map((p: any) => p.shadow_balance_id)).toEqual(['', '']);

    // A round that fails half-way (a "crash" before commit) leaves nothing behind.
    const rounds = t.app.get(ProjectShadowsUseCase);
    const [third] = await t.ds.query(
      `SELECT allocation_id::text AS id FROM lineage_shadow_postings ORDER BY allocation_id OFFSET 2 LIMIT 1`,
    );
    await t.ds.query(`
      CREATE FUNCTION shadow_test_crash() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'crash'; END $$`);
    await t.ds.query(`
      CREATE TRIGGER shadow_test_crash BEFORE UPDATE ON lineage_shadow_postings
      FOR EACH ROW WHEN (OLD.allocation_id = ${Number(third.id)})
      EXECUTE FUNCTION shadow_test_crash()`);
    const rowsBefore = await t.ds.query(`SELECT count(*)::int AS n FROM transactions`);
    await expect(rounds.round()).rejects.toThrow(/crash/);
    expect(await pendingShadows(t.ds)).toBe(pending);
    expect(await t.ds.query(`SELECT count(*)::int AS n FROM transactions`)).toEqual(rowsBefore);
    await t.ds.query(`DROP TRIGGER shadow_test_crash ON lineage_shadow_postings`);
    await t.ds.query(`DROP FUNCTION shadow_test_crash()`);

    // The job starts (as after a restart) and catches up; more rounds add nothing.
    const stop = await t.app.get(LineageShadowJob).start();
    try {
      await shadowsCaughtUp(t.ds);
    } finally {
      await stop();
    }
    expect(await rounds.round()).toBe(0);
    expect(await shadowMismatches(t.ds)).toEqual([]);
    const [{ n }] = await t.ds.query(
      `SELECT count(*)::int AS n FROM transactions WHERE meta_data ? '_shadow_for'`,
    );
    expect(n).toBe(pending);
    const late = parseBig((await t.http('GET', `/balances/${a}/lineage`)).text);
    expect(late.total_with_lineage).toBe(early.total_with_lineage);
    expect(late.aggregate_balance_id).toMatch(/^bln_/);
  });
});
