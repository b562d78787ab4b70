import { fingerprint } from '../support/fingerprint';
import { checkInvariants } from '../support/invariants';
import { parseBig, startTestApp, TestApp } from '../support/app';
import { waitFor } from '../support/wait';
import { shadowMismatches, shadowsCaughtUp } from '../support/lineage-shadows';

/**
 * Fund lineage (issue 14) through real HTTP: credits tagged with BLNK_LINEAGE_PROVIDER, debits
 * allocated FIFO / LIFO / PROPORTIONAL in the database transaction of the debit, holds that
 * reserve and commits / voids that settle the reservation, the queued path, and the two read
 * routes with Blnk's shapes. Runs on whatever backend the environment configures (PostgreSQL +
 * Redis, or embedded PGlite with the in-process queue; scripts/test.sh runs it in both).
 */
describe('fund lineage', () => {
  let t: TestApp;
  let ledger: string;
  let identity: string;
  let n = 0;
  const ref = (p: string) => `${p}-${++n}`;

  const tracked = async (strategy?: string) => {
    const r = await t.http('POST', '/balances', {
      ledger_id: ledger,
      currency: 'USD',
      identity_id: identity,
      track_fund_lineage: true,
      ...(strategy ? { allocation_strategy: strategy } : {}),
    });
    expect(r.status).toBe(201);
    return r.json.balance_id as string;
  };
  const plain = async () =>
    (await t.http('POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json
      .balance_id as string;
  const send = (body: Record<string, unknown>) =>
    t.http('POST', '/transactions', {
      skip_queue: true,
      currency: 'USD',
      description: 'lineage',
      reference: ref('tx'),
      ...body,
    });
  const credit = async (to: string, amount: bigint | number, provider?: string) => {
    const r = await send({
      source: '@World',
      destination: to,
      precise_amount: amount.toString(),
      allow_overdraft: true,
      ...(provider ? { meta_data: { BLNK_LINEAGE_PROVIDER: provider } } : {}),
    });
    expect(r.status).toBe(201);
    return r.json.transaction_id as string;
  };
  const spend = async (from: string, to: string, amount: bigint | number) => {
    const r = await send({ source: from, destination: to, precise_amount: amount.toString() });
    expect(r.status).toBe(201);
    return r.json.transaction_id as string;
  };
  /** provider → [amount, spent, available, held], exact. */
  const lineage = async (balance: string) => {
    const r = await t.http('GET', `/balances/${balance}/lineage`);
    expect(r.status).toBe(200);
    const body = parseBig(r.text);
    const out: Record<string, [bigint, bigint, bigint, bigint]> = {};
    for (const p of body.providers) out[p.provider] = [p.amount, p.spent, p.available, p.held];
    return { body, out };
  };
  const allocation = async (txn: string) => {
    const r = await t.http('GET', `/transactions/${txn}/lineage`);
    expect(r.status).toBe(200);
    return parseBig(r.text);
  };
  /** meta_data.BLNK_FUND_ALLOCATION of a row, as GET /transactions/:id and lists show it. */
  const metaAllocation = async (txn: string) => {
    const one = await t.http('GET', `/transactions/${txn}`);
    expect(one.status).toBe(200);
    const listed = await t.http('GET', `/transactions?transaction_id_eq=${txn}`);
    const [row] = parseBig(listed.text);
    expect(row.meta_data?.BLNK_FUND_ALLOCATION).toEqual(
      parseBig(one.text).meta_data?.BLNK_FUND_ALLOCATION,
    );
    return parseBig(one.text).meta_data?.BLNK_FUND_ALLOCATION;
  };

  beforeAll(async () => {
    t = await startTestApp();
    ledger = (await t.http('POST', '/ledgers', { name: 'lineage' })).json.ledger_id;
    identity = (await t.http('POST', '/identities', { first_name: 'Ada', last_name: 'Lovelace' }))
      .json.identity_id;
  });
  afterAll(async () => {
    expect(await checkInvariants(t.ds)).toEqual([]);
    expect(await lineageInvariants()).toEqual([]);
    await shadowsCaughtUp(t.ds);
    expect(await shadowMismatches(t.ds)).toEqual([]);
    await t.close();
  });

  /** Every position is within what it received, and equals the sum of its allocations. */
  const lineageInvariants = async () =>
    (
      await t.ds.query(`
        SELECT p.balance_id, p.provider FROM lineage_positions p
        LEFT JOIN LATERAL (
          SELECT COALESCE(SUM(amount) FILTER (WHERE kind IN ('credit', 'receive')), 0) AS received,
                 COALESCE(SUM(amount) FILTER (WHERE kind = 'debit'), 0) AS spent
          FROM lineage_allocations a WHERE a.balance_id = p.balance_id AND a.provider = p.provider
        ) a ON true
        WHERE a.received <> p.received OR a.spent <> p.spent
           OR p.held <> (SELECT COALESCE(SUM(h.open), 0) FROM lineage_holds h
                         JOIN transactions x ON x.transaction_id = h.transaction_id
                         WHERE x.source = p.balance_id AND h.provider = p.provider)`)
    ).map((r: { balance_id: string; provider: string }) => `${r.balance_id}/${r.provider}`);

  it('creates tracking balances with a strategy; refuses a tracking balance without identity', async () => {
    const r = await t.http('POST', '/balances', {
      ledger_id: ledger,
      currency: 'USD',
      identity_id: identity,
      track_fund_lineage: true,
      allocation_strategy: ' lifo ',
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ track_fund_lineage: true, allocation_strategy: 'LIFO' });
    const got = await t.http('GET', `/balances/${r.json.balance_id}`);
    expect(got.json).toMatchObject({ track_fund_lineage: true, allocation_strategy: 'LIFO' });

    const noIdentity = await t.http('POST', '/balances', {
      ledger_id: ledger,
      currency: 'USD',
      track_fund_lineage: true,
    });
    expect(noIdentity.status).toBe(400);
    expect(noIdentity.json.error_detail.code).toBe('GEN_VALIDATION_ERROR');
    const badStrategy = await t.http('POST', '/balances', {
      ledger_id: ledger,
      currency: 'USD',
      identity_id: identity,
      track_fund_lineage: true,
      allocation_strategy: 'RANDOM',
    });
    expect(badStrategy.status).toBe(400);
    expect(badStrategy.json.error_detail.code).toBe('GEN_VALIDATION_ERROR');
  });

  it('400 GEN_BAD_REQUEST for a balance without tracking, 404 for unknown ids', async () => {
    const b = await plain();
    const r = await t.http('GET', `/balances/${b}/lineage`);
    expect(r.status).toBe(400);
    expect(r.json.error_detail.code).toBe('GEN_BAD_REQUEST');
    expect(r.json.error).toBe(`balance ${b} does not have fund lineage tracking enabled`);
    const missing = await t.http('GET', '/balances/bln_missing/lineage');
    expect(missing.status).toBe(404);
    expect(missing.json.error_detail.code).toBe('BAL_NOT_FOUND');
    const noTxn = await t.http('GET', '/transactions/txn_missing/lineage');
    expect(noTxn.status).toBe(404);
    expect(noTxn.json.error_detail.code).toBe('TXN_NOT_FOUND');
  });

  it('FIFO: a debit spends the first provider first; the documented shapes', async () => {
    const a = await tracked();
    const shop = await plain();
    const first = await credit(a, 10000, 'stripe');
    await credit(a, 5000, 'paypal');
    const empty = await lineage(a);
    expect(empty.out).toEqual({
      stripe: [10000n, 0n, 10000n, 0n],
      paypal: [5000n, 0n, 5000n, 0n],
    });
    const pay = await spend(a, shop, 12000);
    // Shadow ids appear once the projection has posted (test/e2e/fund-lineage-shadow.e2e.spec.ts).
    await shadowsCaughtUp(t.ds);
    const shadowId = expect.stringMatching(/^bln_/);
    const { body, out } = await lineage(a);
    expect(body).toEqual({
      balance_id: a,
      total_with_lineage: 3000n,
      aggregate_balance_id: shadowId,
      providers: [
        {
          provider: 'stripe',
          amount: 10000n,
          available: 0n,
          spent: 10000n,
          held: 0n,
          shadow_balance_id: shadowId,
        },
        {
          provider: 'paypal',
          amount: 5000n,
          available: 3000n,
          spent: 2000n,
          held: 0n,
          shadow_balance_id: shadowId,
        },
      ],
    });
    expect(out.paypal[2]).toBe(3000n);
    expect(await allocation(pay)).toEqual({
      transaction_id: pay,
      fund_allocation: [
        { provider: 'stripe', amount: 10000n },
        { provider: 'paypal', amount: 2000n },
      ],
      // Released from each provider's shadow balance.
      shadow_transactions: [expect.anything(), expect.anything()],
    });
    // A credit spent nothing: fund_allocation is absent, as in Blnk.
    expect(await allocation(first)).toEqual({
      transaction_id: first,
      shadow_transactions: [expect.objectContaining({ precise_amount: 10000n })],
    });
    // Blnk's meta_data.BLNK_FUND_ALLOCATION on the debit (§5.15), derived from the allocations.
    expect(await metaAllocation(pay)).toEqual([
      { provider: 'stripe', amount: 10000n },
      { provider: 'paypal', amount: 2000n },
    ]);
    expect(await metaAllocation(first)).toBeUndefined();
  });

  it('LIFO: the newest provider first', async () => {
    const a = await tracked('LIFO');
    await credit(a, 10000, 'stripe');
    await credit(a, 5000, 'paypal');
    const pay = await spend(a, await plain(), 12000);
    expect((await lineage(a)).out).toEqual({
      stripe: [10000n, 7000n, 3000n, 0n],
      paypal: [5000n, 5000n, 0n, 0n],
    });
    expect((await allocation(pay)).fund_allocation).toEqual([
      { provider: 'paypal', amount: 5000n },
      { provider: 'stripe', amount: 7000n },
    ]);
  });

  it('PROPORTIONAL: floor shares, the left-over units to the largest remainders, none lost', async () => {
    const a = await tracked('PROPORTIONAL');
    const shop = await plain();
    await credit(a, 10000, 'stripe');
    await credit(a, 5000, 'paypal');
    // 1000 × 10000/15000 = 666.67, × 5000/15000 = 333.33: the unit left goes to stripe.
    const pay = await spend(a, shop, 1000);
    expect((await allocation(pay)).fund_allocation).toEqual([
      { provider: 'stripe', amount: 667n },
      { provider: 'paypal', amount: 333n },
    ]);
    const b = await tracked('PROPORTIONAL');
    for (const p of ['x', 'y', 'z']) await credit(b, 1, p);
    // Three equal remainders for two units: the oldest providers get them.
    const two = await spend(b, shop, 2);
    expect((await allocation(two)).fund_allocation).toEqual([
      { provider: 'x', amount: 1n },
      { provider: 'y', amount: 1n },
    ]);
    expect((await lineage(b)).body.total_with_lineage).toBe(1n);
  });

  it('big integers stay exact beyond 2^64', async () => {
    const a = await tracked('PROPORTIONAL');
    const big = 2n ** 70n + 3n;
    await credit(a, big, 'stripe');
    await credit(a, big, 'paypal');
    const pay = await spend(a, await plain(), big);
    const alloc = (await allocation(pay)).fund_allocation;
    expect(alloc[0].amount + alloc[1].amount).toBe(big);
    expect(alloc).toEqual([
      { provider: 'stripe', amount: 2n ** 69n + 2n },
      { provider: 'paypal', amount: 2n ** 69n + 1n },
    ]);
    expect(await metaAllocation(pay)).toEqual(alloc);
    expect((await lineage(a)).body.total_with_lineage).toBe(big);
    expect(
      (await t.http('GET', `/balances/${a}/lineage`)).text.includes(
        `${2n ** 70n + 3n - 2n ** 69n - 2n}`,
      ),
    ).toBe(true);
  });

  it('untagged money and overdraft are spent last and stay unattributed', async () => {
    const a = await tracked();
    await credit(a, 300, 'stripe');
    await credit(a, 500); // no provider
    const pay = await spend(a, await plain(), 700);
    expect((await allocation(pay)).fund_allocation).toEqual([{ provider: 'stripe', amount: 300n }]);
    expect((await lineage(a)).out).toEqual({ stripe: [300n, 300n, 0n, 0n] });
  });

  it('a transfer between tracked balances carries the providers; the tag of a tracked source is ignored', async () => {
    const a = await tracked();
    const b = await tracked();
    await credit(a, 100, 'stripe');
    await credit(a, 50, 'paypal');
    const r = await send({
      source: a,
      destination: b,
      precise_amount: 120,
      // Only the source's own providers can move on: a tag cannot relabel them.
      meta_data: { BLNK_LINEAGE_PROVIDER: 'forged' },
    });
    expect(r.status).toBe(201);
    expect((await lineage(b)).out).toEqual({
      stripe: [100n, 0n, 100n, 0n],
      paypal: [20n, 0n, 20n, 0n],
    });
    expect((await lineage(a)).body.total_with_lineage).toBe(30n);
  });

  it('holds reserve providers; commit spends and void releases the reservation', async () => {
    const a = await tracked();
    const b = await tracked();
    await credit(a, 100, 'stripe');
    await credit(a, 100); // untagged
    const hold = await send({ source: a, destination: b, precise_amount: 70, inflight: true });
    expect(hold.status).toBe(201);
    const holdId = hold.json.transaction_id;
    expect((await lineage(a)).out).toEqual({ stripe: [100n, 0n, 100n, 70n] });
    expect((await allocation(holdId)).fund_allocation).toEqual([
      { provider: 'stripe', amount: 70n },
    ]);
    // A spend while the hold is open cannot use the reserved 70.
    const pay = await spend(a, await plain(), 50);
    expect((await allocation(pay)).fund_allocation).toEqual([{ provider: 'stripe', amount: 30n }]);
    const commit = await t.http('PUT', `/transactions/inflight/${holdId}`, {
      status: 'commit',
      precise_amount: 40,
      skip_queue: true,
    });
    expect(commit.status).toBe(200);
    expect((await lineage(a)).out).toEqual({ stripe: [100n, 70n, 30n, 30n] });
    expect((await lineage(b)).out).toEqual({ stripe: [40n, 0n, 40n, 0n] });
    const voided = await t.http('PUT', `/transactions/inflight/${holdId}`, {
      status: 'void',
      skip_queue: true,
    });
    expect(voided.status).toBe(200);
    expect((await lineage(a)).out).toEqual({ stripe: [100n, 70n, 30n, 0n] });
    expect((await lineage(b)).out).toEqual({ stripe: [40n, 0n, 40n, 0n] });
  });

  it('the provider is the one accepted: metadata written later steers nothing', async () => {
    const b = await tracked();
    const hold = await send({
      source: '@World',
      destination: b,
      precise_amount: 80,
      allow_overdraft: true,
      inflight: true,
      meta_data: { BLNK_LINEAGE_PROVIDER: 'stripe' },
    });
    const id = hold.json.transaction_id;
    const meta = await t.http('POST', `/${id}/metadata`, {
      meta_data: { BLNK_LINEAGE_PROVIDER: 'paypal' },
    });
    expect(meta.status).toBe(200);
    // Committed through the queue: the worker's commit inherits the hold's provider.
    const commit = await t.http('PUT', `/transactions/inflight/${id}`, { status: 'commit' });
    expect([200, 201]).toContain(commit.status);
    await waitFor(async () => ((await lineage(b)).body.providers.length ? true : undefined));
    expect((await lineage(b)).out).toEqual({ stripe: [80n, 0n, 80n, 0n] });
  });

  it('the queued path: the outcome keeps the accepted provider; a queued id shows its allocation', async () => {
    const a = await tracked();
    const outcome = (reference: string) =>
      waitFor(async () => {
        const r = await t.http('GET', `/transactions/reference/${reference}_q`);
        return r.status === 200 ? r.json : undefined;
      });
    const inRef = ref('q-in');
    const queuedIn = await t.http('POST', '/transactions', {
      source: '@World',
      destination: a,
      precise_amount: 900,
      currency: 'USD',
      description: 'queued in',
      reference: inRef,
      allow_overdraft: true,
      meta_data: { BLNK_LINEAGE_PROVIDER: 'wise' },
    });
    expect(queuedIn.status).toBe(201);
    expect((await outcome(inRef)).status).toBe('APPLIED');
    const outRef = ref('q-out');
    const queuedOut = await t.http('POST', '/transactions', {
      source: a,
      destination: await plain(),
      precise_amount: 400,
      currency: 'USD',
      description: 'queued out',
      reference: outRef,
    });
    expect((await outcome(outRef)).status).toBe('APPLIED');
    expect((await lineage(a)).out).toEqual({ wise: [900n, 400n, 500n, 0n] });
    expect((await allocation(queuedOut.json.transaction_id)).fund_allocation).toEqual([
      { provider: 'wise', amount: 400n },
    ]);
  });

  it('refuses a provider that names nothing, and writes nothing', async () => {
    const a = await tracked();
    // The shadow projection of earlier tests' allocations is not this request's doing.
    await shadowsCaughtUp(t.ds);
    const before = await fingerprint(t.ds);
    for (const provider of [42, '', ' stripe', 'a'.repeat(101), 'tab\there', { name: 'x' }]) {
      const r = await send({
        source: '@World',
        destination: a,
        precise_amount: 10,
        allow_overdraft: true,
        meta_data: { BLNK_LINEAGE_PROVIDER: provider },
      });
      expect(r.status).toBe(400);
      expect(r.json.error_detail.code).toBe('GEN_VALIDATION_ERROR');
      expect(r.json.error).toContain('BLNK_LINEAGE_PROVIDER');
    }
    expect(await fingerprint(t.ds)).toEqual(before);
  });

  it('a refused debit and a dry run leave the lineage as it was', async () => {
    const a = await tracked();
    await credit(a, 100, 'stripe');
    await plainCached();
    await shadowsCaughtUp(t.ds);
    const before = await fingerprint(t.ds);
    const poor = await send({ source: a, destination: await plainCached(), precise_amount: 101 });
    expect(poor.status).toBe(400);
    const dry = await send({
      source: a,
      destination: await plainCached(),
      precise_amount: 60,
      dry_run: true,
    });
    expect(dry.status).toBe(200);
    expect(await fingerprint(t.ds)).toEqual(before);
    expect((await lineage(a)).out).toEqual({ stripe: [100n, 0n, 100n, 0n] });
  });

  let cachedPlain: string | undefined;
  const plainCached = async () => (cachedPlain ??= await plain());
});
