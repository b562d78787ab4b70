import { randomBytes } from 'node:crypto';
import { IdempotencyService } from '../../src/modules/idempotency/application/idempotency.service';
import { IdempotencySettings } from '../../src/modules/idempotency/application/idempotency-settings';
import { createScopedKey, HttpResult, startTestApp, TestApp } from '../support/app';
import { fingerprint } from '../support/fingerprint';
import { checkInvariants } from '../support/invariants';
import { ledgerClient } from '../support/ledger-client';
import { waitFor } from '../support/wait';

/**
 * Idempotency-Key (issue 14; docs/architecture.md, "Idempotency keys") through real HTTP, on
 * PostgreSQL + Redis and on embedded PGlite: the first answer to a key is the answer to every
 * retry of the same request, byte for byte; the request is carried out at most once, whatever
 * races, restarts or crashes; the key is recorded in the database transaction of the effect.
 */
describe('Idempotency-Key', () => {
  let t: TestApp;
  let ledger: string;
  let client: ReturnType<typeof ledgerClient>;
  const newKey = () => `key-${randomBytes(8).toString('hex')}`;
  const ref = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;
  const keyed = (key: string, extra: Record<string, string> = {}) => ({
    'idempotency-key': key,
    ...extra,
  });
  const rowsWithReference = async (reference: string) =>
    Number(
      (
        await t.ds.query(`SELECT count(*)::int AS n FROM transactions WHERE reference = $1`, [
          reference,
        ])
      )[0].n,
    );
  const keyRows = async () =>
    Number((await t.ds.query(`SELECT count(*)::int AS n FROM idempotency_keys`))[0].n);
  const expectReplayOf = (first: HttpResult, again: HttpResult) => {
    expect(again.status).toBe(first.status);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toBe(first.headers.get('content-type'));
  };
  const transfer = async (amount = 10) => {
    const [a, b] = [await client.balance(), await client.balance()];
    await client.fund(a, 1000, ref('fund'));
    return {
      a,
      b,
      body: {
        source: a,
        destination: b,
        precise_amount: amount,
        currency: 'USD',
        reference: ref('txn'),
        description: 'idempotent',
        skip_queue: true,
      },
    };
  };

  beforeAll(async () => {
    t = await startTestApp();
    ledger = (await t.http('POST', '/ledgers', { name: 'idempotency' })).json.ledger_id;
    client = ledgerClient(t, () => ledger);
  });
  afterAll(async () => {
    expect(await checkInvariants(t.ds)).toEqual([]);
    await t.close();
  });

  it('replays the first answer byte for byte, with Idempotent-Replayed, and creates once', async () => {
    const key = newKey();
    const name = ref('ledger');
    const first = await t.http('POST', '/ledgers', { name }, keyed(key));
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await t.http('POST', '/ledgers', { name }, keyed(key));
    expectReplayOf(first, again);
    const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM ledgers WHERE name = $1`, [
      name,
    ]);
    expect(n).toBe(1);
  });

  it('50 concurrent identical transfers with one key: one effect, every answer the 201 or a 409', async () => {
    const { a, b, body } = await transfer(7);
    const key = newKey();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => t.http('POST', '/transactions', body, keyed(key))),
    );
    expect(await rowsWithReference(body.reference)).toBe(1);
    const created = answers.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const r of created) expect(r.text).toBe(created[0].text);
    for (const r of answers.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(409);
      expect(r.json.error_detail.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    }
    expect((await client.amountsOf(a)).balance).toBe(993n);
    expect((await client.amountsOf(b)).balance).toBe(7n);
    // Once answered, every retry is the replay.
    expectReplayOf(created[0], await t.http('POST', '/transactions', body, keyed(key)));
  });

  it('the same key with another body is 422 IDEMPOTENCY_KEY_REUSED and writes nothing', async () => {
    const { body } = await transfer();
    const key = newKey();
    expect((await t.http('POST', '/transactions', body, keyed(key))).status).toBe(201);
    const before = await fingerprint(t.ds);
    const other = await t.http(
      'POST',
      '/transactions',
      { ...body, precise_amount: 11, reference: ref('other') },
      keyed(key),
    );
    expect(other.status).toBe(422);
    expect(other.json.error_detail.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // Another route with the same key is another request too.
    const elsewhere = await t.http('POST', '/ledgers', { name: 'x' }, keyed(key));
    expect(elsewhere.status).toBe(422);
    expect(await fingerprint(t.ds)).toEqual(before);
  });

  it('replays an error answer: a refused transfer is not carried out on retry once funds arrive', async () => {
    const [a, b] = [await client.balance(), await client.balance()];
    const body = {
      source: a,
      destination: b,
      precise_amount: 50,
      currency: 'USD',
      reference: ref('poor'),
      description: 'not yet',
      skip_queue: true,
    };
    const key = newKey();
    const before = await fingerprint(t.ds);
    const first = await t.http('POST', '/transactions', body, keyed(key));
    expect(first.status).toBe(400);
    expect(first.json.error_detail.code).toBe('TXN_INSUFFICIENT_FUNDS');
    // The refusal wrote nothing but its key.
    const after = await fingerprint(t.ds);
    delete before.idempotency_keys;
    delete after.idempotency_keys;
    expect(after).toEqual(before);
    await client.fund(a, 100, ref('fund'));
    expectReplayOf(first, await t.http('POST', '/transactions', body, keyed(key)));
    expect(await rowsWithReference(body.reference)).toBe(0);
  });

  it('replays a validation error (400) without anything else written', async () => {
    const key = newKey();
    const bad = { ledger_id: ledger, currency: 'USD', unknown_field: 1 };
    const first = await t.http('POST', '/balances', bad, keyed(key));
    expect(first.status).toBe(400);
    expectReplayOf(first, await t.http('POST', '/balances', bad, keyed(key)));
  });

  it('keys are scoped per API key: two keys use one key independently', async () => {
    const k1 = await createScopedKey(t, ['ledgers:write', 'ledgers:read'], 'one');
    const k2 = await createScopedKey(t, ['ledgers:write', 'ledgers:read'], 'two');
    const key = newKey();
    const as = (k: string) => ({ 'x-blnk-key': k, ...keyed(key) });
    const one = await t.http('POST', '/ledgers', { name: 'scoped one' }, as(k1.key));
    const two = await t.http('POST', '/ledgers', { name: 'scoped two' }, as(k2.key));
    const master = await t.http('POST', '/ledgers', { name: 'scoped master' }, keyed(key));
    expect([one.status, two.status, master.status]).toEqual([201, 201, 201]);
    expect(new Set([one.json.ledger_id, two.json.ledger_id, master.json.ledger_id]).size).toBe(3);
    expectReplayOf(one, await t.http('POST', '/ledgers', { name: 'scoped one' }, as(k1.key)));
    expectReplayOf(two, await t.http('POST', '/ledgers', { name: 'scoped two' }, as(k2.key)));
  });

  it('a key older than the retention is forgotten, and pruned', async () => {
    const key = newKey();
    const first = await t.http('POST', '/ledgers', { name: 'old' }, keyed(key));
    expect(first.status).toBe(201);
    await t.ds.query(
      `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1`,
      [key],
    );
    // Another body with the same key is a new request now, not a 422.
    const fresh = await t.http('POST', '/ledgers', { name: 'new' }, keyed(key));
    expect(fresh.status).toBe(201);
    expect(fresh.json.ledger_id).not.toBe(first.json.ledger_id);
    expectReplayOf(fresh, await t.http('POST', '/ledgers', { name: 'new' }, keyed(key)));
    const other = newKey();
    await t.http('POST', '/ledgers', { name: 'to prune' }, keyed(other));
    await t.ds.query(
      `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1`,
      [other],
    );
    expect(await t.app.get(IdempotencyService).prune()).toBe(1);
    const left = await t.ds.query(`SELECT key FROM idempotency_keys WHERE key IN ($1, $2)`, [
      key,
      other,
    ]);
    expect(left).toEqual([{ key }]);
  });

  it('a short configured retention: keys expire, and the background job prunes them', async () => {
    const short = await startTestApp({
      shareDatabaseOf: t,
      idempotency: new IdempotencySettings(300, 100),
    });
    try {
      const key = newKey();
      expect((await short.http('POST', '/ledgers', { name: 'short' }, keyed(key))).status).toBe(
        201,
      );
      const count = async () =>
        Number(
          (
            await t.ds.query(`SELECT count(*)::int AS n FROM idempotency_keys WHERE key = $1`, [
              key,
            ])
          )[0].n,
        );
      expect(await count()).toBe(1);
      await waitFor(async () => ((await count()) === 0 ? true : undefined), 10_000, 'the prune');
      // Forgotten: another request with the key is carried out.
      expect((await short.http('POST', '/ledgers', { name: 'other' }, keyed(key))).status).toBe(
        201,
      );
    } finally {
      await short.close();
    }
  });

  it('replays after a restart: the server that answered stops, a new one answers from the record', async () => {
    const { body } = await transfer();
    const key = newKey();
    const before = await startTestApp({ shareDatabaseOf: t, workers: false });
    let first: HttpResult;
    try {
      first = await before.http('POST', '/transactions', body, keyed(key));
      expect(first.status).toBe(201);
    } finally {
      await before.close();
    }
    const after = await startTestApp({ shareDatabaseOf: t, workers: false });
    try {
      expectReplayOf(first, await after.http('POST', '/transactions', body, keyed(key)));
    } finally {
      await after.close();
    }
    expectReplayOf(first, await t.http('POST', '/transactions', body, keyed(key)));
    expect(await rowsWithReference(body.reference)).toBe(1);
  });

  // Two API processes over one PostgreSQL (embedded mode is one process by design).
  if (process.env.BLNK_DATA_SOURCE_DNS) {
    it('two API processes racing one key: one effect, and both replay it', async () => {
      const { body } = await transfer(2);
      const key = newKey();
      const t2 = await startTestApp({ shareDatabaseOf: t, workers: false });
      try {
        const answers = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? t2 : t).http('POST', '/transactions', body, keyed(key)),
          ),
        );
        expect(await rowsWithReference(body.reference)).toBe(1);
        const created = answers.filter((r) => r.status === 201);
        expect(created.length).toBeGreaterThanOrEqual(1);
        for (const r of created) expect(r.text).toBe(created[0].text);
        for (const r of answers) expect([201, 409]).toContain(r.status);
        expectReplayOf(created[0], await t2.http('POST', '/transactions', body, keyed(key)));
        expectReplayOf(created[0], await t.http('POST', '/transactions', body, keyed(key)));
      } finally {
        await t2.close();
      }
    });
  }

  it('queued transfers and bulk batches replay too, applied once', async () => {
    const { body } = await transfer(3);
    const queued = { ...body, skip_queue: false };
    const key = newKey();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => t.http('POST', '/transactions', queued, keyed(key))),
    );
    const created = answers.filter((r) => r.status === 201);
    expect(created[0].json.status).toBe('QUEUED');
    for (const r of created) expect(r.text).toBe(created[0].text);
    for (const r of answers) expect([201, 409]).toContain(r.status);
    expectReplayOf(created[0], await t.http('POST', '/transactions', queued, keyed(key)));
    await waitFor(async () =>
      (await rowsWithReference(`${body.reference}_q`)) === 1 ? true : undefined,
    );
    expect(await rowsWithReference(body.reference)).toBe(1);

    const bulk = {
      transactions: [1, 2].map((i) => ({ ...body, reference: `${body.reference}-b${i}` })),
      atomic: true,
    };
    const bulkKey = newKey();
    const firstBulk = await t.http('POST', '/transactions/bulk', bulk, keyed(bulkKey));
    expect(firstBulk.status).toBe(201);
    expectReplayOf(firstBulk, await t.http('POST', '/transactions/bulk', bulk, keyed(bulkKey)));
    const [{ n }] = await t.ds.query(
      `SELECT count(DISTINCT batch_id)::int AS n FROM transactions WHERE reference LIKE $1`,
      [`${body.reference}-b%`],
    );
    expect(n).toBe(1);
    // The batch is marked finished in the background once its items are applied: wait for it, so
    // the tests after this one (which compare whole tables) do not see it change under them.
    await waitFor(async () => {
      const [{ open }] = await t.ds.query(
        `SELECT count(*)::int AS open FROM bulk_batches WHERE finished_at IS NULL`,
      );
      return open === 0 ? true : undefined;
    });
  });

  it('keyed and unkeyed transfers arriving together each keep their own answer', async () => {
    const bodies = await Promise.all(Array.from({ length: 12 }, () => transfer(1)));
    const keys = bodies.map((_, i) => (i % 2 ? newKey() : undefined));
    const answers = await Promise.all(
      bodies.map(({ body }, i) =>
        t.http('POST', '/transactions', body, keys[i] ? keyed(keys[i]) : {}),
      ),
    );
    for (const r of answers) expect(r.status).toBe(201);
    for (const [i, k] of keys.entries()) {
      if (!k) continue;
      const again = await t.http('POST', '/transactions', bodies[i].body, keyed(k));
      expectReplayOf(answers[i], again);
      expect(again.json.reference).toBe(bodies[i].body.reference);
    }
  });

  it('a request without the header writes no key; an excluded route ignores it', async () => {
    const before = await keyRows();
    expect((await t.http('POST', '/ledgers', { name: 'plain' })).status).toBe(201);
    const listed = await t.http('POST', '/ledgers/filter', { filters: [] }, keyed(newKey()));
    expect(listed.status).toBe(200);
    expect(listed.headers.get('idempotent-replayed')).toBeNull();
    expect(await keyRows()).toBe(before);
  });

  it('refuses a malformed key with 400 IDEMPOTENCY_KEY_INVALID, writing nothing', async () => {
    const before = await fingerprint(t.ds);
    for (const bad of ['x'.repeat(256), 'a\tb']) {
      const r = await t.http('POST', '/ledgers', { name: 'bad key' }, keyed(bad));
      expect(r.status).toBe(400);
      expect(r.json.error_detail.code).toBe('IDEMPOTENCY_KEY_INVALID');
    }
    delete before.ledgers;
    const after = await fingerprint(t.ds);
    delete after.ledgers;
    delete after.idempotency_keys;
    delete before.idempotency_keys;
    expect(after).toEqual(before);
  });

  /** Runs `fn` while every INSERT or UPDATE of idempotency_keys fails (a crash at that point). */
  const whileKeysFailOn = async (op: 'INSERT' | 'UPDATE', fn: () => Promise<void>) => {
    await t.ds.query(`
      CREATE FUNCTION idem_fail() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'idempotency_keys unavailable'; END $$`);
    await t.ds.query(`CREATE TRIGGER idem_fail BEFORE ${op} ON idempotency_keys
      FOR EACH ROW EXECUTE FUNCTION idem_fail()`);
    try {
      await fn();
    } finally {
      await t.ds.query(`DROP TRIGGER idem_fail ON idempotency_keys`);
      await t.ds.query(`DROP FUNCTION idem_fail()`);
    }
  };

  it('a key committed without its answer (a crash in between) is never carried out again', async () => {
    const { body } = await transfer();
    const key = newKey();
    // The answer cannot be stored: as if the process died right after the commit.
    await whileKeysFailOn('UPDATE', async () => {
      expect((await t.http('POST', '/transactions', body, keyed(key))).status).toBe(201);
    });
    const retry = await t.http('POST', '/transactions', body, keyed(key));
    expect(retry.status).toBe(409);
    expect(retry.json.error_detail.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    await t.ds.query(
      `UPDATE idempotency_keys SET created_at = now() - interval '10 minutes' WHERE key = $1`,
      [key],
    );
    const later = await t.http('POST', '/transactions', body, keyed(key));
    expect(later.status).toBe(409);
    expect(later.json.error_detail.code).toBe('IDEMPOTENCY_ANSWER_LOST');
    expect(await rowsWithReference(body.reference)).toBe(1);
  });

  it('the key is recorded in the transaction of the effect: failing to record it undoes the effect', async () => {
    const { body } = await transfer();
    const key = newKey();
    await whileKeysFailOn('INSERT', async () => {
      expect((await t.http('POST', '/transactions', body, keyed(key))).status).toBe(500);
    });
    expect(await rowsWithReference(body.reference)).toBe(0);
    // Nothing happened, so the retry is carried out.
    const retry = await t.http('POST', '/transactions', body, keyed(key));
    expect(retry.status).toBe(201);
    expect(await rowsWithReference(body.reference)).toBe(1);
  });

  it('commits of a hold and refunds with one key each are carried out once under concurrency', async () => {
    const { body } = await transfer(40);
    const hold = await t.http('POST', '/transactions', { ...body, inflight: true });
    expect(hold.status).toBe(201);
    const holdId = hold.json.transaction_id as string;
    const commitKey = newKey();
    const commit = { status: 'commit', precise_amount: 10, skip_queue: true };
    const commits = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.http('PUT', `/transactions/inflight/${holdId}`, commit, keyed(commitKey)),
      ),
    );
    for (const r of commits) expect([200, 201, 409]).toContain(r.status);
    const [{ n }] = await t.ds.query(
      `SELECT count(*)::int AS n FROM transactions WHERE settles = $1`,
      [holdId],
    );
    expect(n).toBe(1);

    const paid = await transfer(5);
    const applied = await t.http('POST', '/transactions', paid.body);
    const refundKey = newKey();
    const refunds = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.http(
          'POST',
          `/refund-transaction/${applied.json.transaction_id}`,
          { skip_queue: true },
          keyed(refundKey),
        ),
      ),
    );
    const ok = refunds.filter((r) => r.status === 201);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of ok) expect(r.text).toBe(ok[0].text);
    // One refund, and no GEN_CONFLICT "already refunded" for a retry of the same request.
    for (const r of refunds.filter((x) => x.status !== 201)) {
      expect(r.json.error_detail.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    }
    const [{ r }] = await t.ds.query(
      `SELECT count(*)::int AS r FROM transactions WHERE refund_of = $1`,
      [applied.json.transaction_id],
    );
    expect(r).toBe(1);
  });

  it('hooks and identities with one key are created once under concurrency', async () => {
    const key = newKey();
    const url = `https://hooks.example.com/${randomBytes(4).toString('hex')}`;
    const hook = { name: 'once', url, type: 'POST_TRANSACTION', active: false };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => t.http('POST', '/hooks', hook, keyed(key))),
    );
    for (const r of answers) expect([201, 409]).toContain(r.status);
    const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM hooks WHERE url = $1`, [url]);
    expect(n).toBe(1);
    const personKey = newKey();
    const name = ref('person');
    await Promise.all(
      Array.from({ length: 10 }, () =>
        t.http(
          'POST',
          '/identities',
          { first_name: name, category: 'individual' },
          keyed(personKey),
        ),
      ),
    );
    const [{ p }] = await t.ds.query(
      `SELECT count(*)::int AS p FROM identity WHERE first_name = $1`,
      [name],
    );
    expect(p).toBe(1);
  });

  it('a dry run with a key replays its preview and writes nothing but the key', async () => {
    const { body } = await transfer();
    const key = newKey();
    const before = await fingerprint(t.ds);
    const preview = await t.http('POST', '/transactions', { ...body, dry_run: true }, keyed(key));
    expect(preview.status).toBe(200);
    expectReplayOf(
      preview,
      await t.http('POST', '/transactions', { ...body, dry_run: true }, keyed(key)),
    );
    const after = await fingerprint(t.ds);
    delete before.idempotency_keys;
    delete after.idempotency_keys;
    expect(after).toEqual(before);
    // The real request is another request: 422, not a silent preview.
    expect((await t.http('POST', '/transactions', body, keyed(key))).status).toBe(422);
  });

  it('one key raced through two routes: one of them is carried out', async () => {
    const key = newKey();
    const name = ref('raced');
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2
          ? t.http('POST', '/ledgers', { name }, keyed(key))
          : t.http('POST', '/identities', { first_name: name, category: 'individual' }, keyed(key)),
      ),
    );
    const [{ n }] = await t.ds.query(
      `SELECT (SELECT count(*) FROM ledgers WHERE name = $1) +
              (SELECT count(*) FROM identity WHERE first_name = $1) AS n`,
      [name],
    );
    expect(Number(n)).toBe(1);
    for (const r of answers) expect([201, 409, 422]).toContain(r.status);
  });

  it('keeps answers sealed: no API key secret or PII in clear, and a moved answer does not open', async () => {
    const keyKey = newKey();
    const newApiKey = () =>
      t.http(
        'POST',
        '/api-keys',
        {
          name: 'sealed',
          owner: 'sealed',
          scopes: ['ledgers:read'],
          expires_at: '2099-01-01T00:00:00Z',
        },
        keyed(keyKey),
      );
    const created = await newApiKey();
    expect(created.status).toBe(201);
    const secret = created.json.key as string;
    const pii = `Zebedee${randomBytes(6).toString('hex')}`;
    const personKey = newKey();
    const person = { first_name: pii, category: 'individual' };
    const identity = await t.http('POST', '/identities', person, keyed(personKey));
    expect(identity.status).toBe(201);
    const rows: { r: string }[] = await t.ds.query(
      `SELECT t::text || encode(body, 'escape') AS r FROM idempotency_keys t`,
    );
    const text = rows.map((x) => x.r).join('\n');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(pii);
    // Yet both replay exactly, secret included.
    expectReplayOf(created, await newApiKey());
    expectReplayOf(identity, await t.http('POST', '/identities', person, keyed(personKey)));
    // The identity's sealed answer copied onto the API key's record: it does not open there.
    await t.ds.query(
      `UPDATE idempotency_keys SET body = (SELECT body FROM idempotency_keys WHERE key = $2)
        WHERE key = $1`,
      [keyKey, personKey],
    );
    const moved = await newApiKey();
    expect(moved.status).toBe(409);
    expect(moved.json.error_detail.code).toBe('IDEMPOTENCY_ANSWER_LOST');
  });

  it('when keys cannot be looked up, a keyed request is refused (500) and not carried out', async () => {
    const { body } = await transfer();
    await t.ds.query(`ALTER TABLE idempotency_keys RENAME TO idempotency_keys_away`);
    try {
      const r = await t.http('POST', '/transactions', body, keyed(newKey()));
      expect(r.status).toBe(500);
      expect(r.json.error_detail.code).toBe('GEN_INTERNAL');
      expect(await rowsWithReference(body.reference)).toBe(0);
      // Requests without the header do not depend on the table.
      expect((await t.http('POST', '/transactions', body)).status).toBe(201);
    } finally {
      await t.ds.query(`ALTER TABLE idempotency_keys_away RENAME TO idempotency_keys`);
    }
  });

  it('documents the optional header on the routes that take it', async () => {
    const doc = (await t.http('GET', '/openapi.json')).json;
    const names = (op: { parameters?: { name: string }[] }) =>
      (op.parameters ?? []).map((p) => p.name);
    expect(names(doc.paths['/transactions'].post)).toContain('Idempotency-Key');
    expect(names(doc.paths['/ledgers'].post)).toContain('Idempotency-Key');
    expect(names(doc.paths['/ledgers/filter'].post)).not.toContain('Idempotency-Key');
    expect(doc.paths['/transactions'].post.responses['422']).toBeDefined();
  });
});
