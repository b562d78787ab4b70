import { randomBytes } from 'node:crypto';
import { HttpResult, parseBig, startTestApp, TestApp } from '../support/app';
import { ledgerClient } from '../support/ledger-client';

const SCHEDULE_MSG =
  "please format the scheduled date as 'YYYY-MM-DDTHH:MM:SS+00:00' (e.g., 2024-04-22T15:28:03+00:00)";

/**
 * What a careless or hostile client can send to the transaction routes (issue 10, items 10 and 11,
 * and "every date is validated strictly"): JSON null where a value is expected, impossible dates,
 * numbers written oddly, text PostgreSQL cannot store, values too long for an index, nesting that
 * overflows a stack, bodies of the wrong shape. Every one gets a 4xx in Blnk's envelope, never a
 * 500 or a stack trace, and writes nothing: the transaction list and the balances are compared
 * before and after each request.
 */
describe('input hardening on the transaction routes', () => {
  let t: TestApp;
  let ledger: string;
  let c: ReturnType<typeof ledgerClient>;
  let a: string;
  let b: string;
  let hold: string;
  let applied: string;
  let n = 0;
  const ref = () => `ih-${n++}`;
  const body = (over: Record<string, unknown> = {}) => ({
    currency: 'USD',
    description: 'd',
    source: a,
    destination: b,
    precise_amount: 100,
    reference: ref(),
    ...over,
  });

  /** Everything a refused request must leave as it was. */
  const state = async () => {
    const list = await t.http('GET', '/transactions?limit=100000');
    expect(list.status).toBe(200);
    return {
      transactions: (list.json as { transaction_id: string }[]).map((x) => x.transaction_id).sort(),
      a: await c.amountsOf(a),
      b: await c.amountsOf(b),
    };
  };

  /**
   * Sends the request and expects a clear refusal: the status, the code, the legacy key (Blnk's
   * `error` or `errors`, reference §6.1) holding the same message as error_detail, no stack trace,
   * and nothing written.
   */
  const refused = async (
    send: () => Promise<HttpResult>,
    want: { status?: number; code: string; key?: 'error' | 'errors'; message?: string | RegExp },
  ) => {
    const before = await state();
    const r = await send();
    expect({ status: r.status, code: r.json?.error_detail?.code }).toEqual({
      status: want.status ?? 400,
      code: want.code,
    });
    const message = r.json.error_detail.message as string;
    expect(typeof message).toBe('string');
    if (want.key) expect(r.json[want.key]).toBe(message);
    if (want.message instanceof RegExp) expect(message).toMatch(want.message);
    else if (want.message !== undefined) expect(message).toBe(want.message);
    expect(r.text).not.toMatch(/at .*\.(ts|js):\d+|node_modules|QueryFailedError|SQLSTATE/);
    expect(await state()).toEqual(before);
    return r;
  };
  const post = (path: string, payload: unknown) => () => t.http('POST', path, payload);
  const put = (path: string, payload: unknown) => () => t.http('PUT', path, payload);
  const txn = (payload: unknown) => post('/transactions', payload);
  const invalid = (message: string | RegExp) => ({
    code: 'TXN_VALIDATION_ERROR',
    key: 'errors' as const,
    message,
  });

  beforeAll(async () => {
    t = await startTestApp();
    ledger = (await t.http('POST', '/ledgers', { name: 'hardening' })).json.ledger_id;
    c = ledgerClient(t, () => ledger);
    a = await c.balance();
    b = await c.balance();
    expect((await c.fund(a, 100000, 'ih-fund')).status).toBe(201);
    const h = await c.txn({
      source: a,
      destination: b,
      precise_amount: 500,
      reference: 'ih-hold',
      inflight: true,
    });
    expect(h.json.status).toBe('INFLIGHT');
    hold = h.json.transaction_id;
    const done = await c.txn({
      source: a,
      destination: b,
      precise_amount: 300,
      reference: 'ih-applied',
    });
    expect(done.json.status).toBe('APPLIED');
    applied = done.json.transaction_id;
  });
  afterAll(() => t.close());

  describe('JSON null (item 10)', () => {
    it.each([
      ['precise_amount', { precise_amount: null }, 'precise_amount: cannot be null.'],
      ['amount', { amount: null }, 'amount: cannot be null.'],
      ['precision', { precision: null }, 'precision: cannot be null.'],
      ['overdraft_limit', { overdraft_limit: null }, 'overdraft_limit: cannot be null.'],
      ['currency', { currency: null }, 'currency: cannot be blank.'],
      ['reference', { reference: null }, 'reference: cannot be blank.'],
      ['description', { description: null }, 'description: cannot be blank.'],
      ['source', { source: null }, 'source: either source or sources is required, not both.'],
      [
        'destination',
        { destination: null },
        'destination: either destination or destinations is required, not both.',
      ],
      [
        'sources',
        { source: undefined, sources: null },
        'source: either source or sources is required, not both.',
      ],
      [
        'a distribution identifier',
        { source: undefined, sources: [{ identifier: null, distribution: '100%' }] },
        'sources.0.identifier: cannot be blank.',
      ],
      [
        'a distribution item',
        { destination: undefined, destinations: [null] },
        'destinations.0: each item must be a JSON object.',
      ],
    ])('POST /transactions with null %s: 400, queued or not', async (_n, over, message) => {
      for (const skip_queue of [true, false]) {
        await refused(txn(body({ skip_queue, ...over })), invalid(message));
      }
    });

    it('a null that means absent (Go zero value) records normally', async () => {
      const r = await t.http(
        'POST',
        '/transactions',
        body({
          skip_queue: true,
          sources: null,
          destinations: null,
          meta_data: null,
          scheduled_for: null,
          inflight_expiry_date: null,
          inflight_commit_date: null,
          effective_date: null,
          allow_overdraft: null,
          inflight: null,
          atomic: null,
          dry_run: null,
          balance_id: null,
        }),
      );
      expect(r.status).toBe(201);
      expect(r.json).toMatchObject({ status: 'APPLIED', inflight: false });
    });

    it('bulk items with null fields: 400 naming the item, queued or not', async () => {
      for (const skip_queue of [true, false]) {
        await refused(
          post('/transactions/bulk', {
            skip_queue,
            transactions: [body(), body({ precise_amount: null })],
          }),
          {
            ...invalid('transactions[1]: precise_amount: cannot be null.'),
          },
        );
        await refused(
          post('/transactions/bulk', { skip_queue, transactions: [body({ source: null })] }),
          invalid('transactions[0]: source: either source or sources is required, not both.'),
        );
        await refused(
          post('/transactions/bulk', { skip_queue, transactions: [body({ currency: null })] }),
          invalid('transactions[0]: currency: cannot be blank.'),
        );
      }
    });

    it('an inflight update with a null amount or status: 400, and the hold stays whole', async () => {
      for (const skip_queue of [true, false]) {
        for (const over of [{ precise_amount: null }, { amount: null }]) {
          const field = Object.keys(over)[0];
          await refused(
            put(`/transactions/inflight/${hold}`, { status: 'commit', skip_queue, ...over }),
            invalid(`${field}: cannot be null.`),
          );
        }
        await refused(
          put(`/transactions/inflight/${hold}`, { status: null, skip_queue }),
          invalid('status: cannot be blank.'),
        );
      }
      expect(await c.amountsOf(b)).toMatchObject({ inflight_credit_balance: 500n });
    });

    it('bulk commit items with null amounts: 400, nothing settled', async () => {
      for (const over of [{ precise_amount: null }, { amount: null }]) {
        const field = Object.keys(over)[0];
        await refused(
          post('/transactions/inflight/bulk/commit', {
            skip_queue: true,
            transactions: [{ transaction_id: hold, ...over }],
          }),
          invalid(`transactions.0.${field}: cannot be null.`),
        );
      }
      await refused(
        post('/transactions/inflight/bulk/commit', { transactions: [null] }),
        invalid('transactions.0: each item must be a JSON object.'),
      );
      await refused(
        post('/transactions/inflight/bulk/void', { transaction_ids: [null] }),
        invalid('transaction_ids: must be an array of strings.'),
      );
    });

    it('a refund with null options refunds as if they were absent; a wrong type is a 400', async () => {
      await refused(post(`/refund-transaction/${applied}`, { meta_data: [] }), {
        code: 'GEN_VALIDATION_ERROR',
        key: 'errors',
        message: 'meta_data: must be a JSON object.',
      });
      // Refused by the JSON parser, for every route alike (issue 11).
      await refused(post(`/refund-transaction/${applied}`, { meta_data: { x: 'a\u0000' } }), {
        code: 'GEN_MALFORMED_REQUEST',
        message:
          /^Invalid input: meta_data\.x: must not contain a NUL character or an unpaired UTF-16 surrogate/,
      });
      await refused(post(`/refund-transaction/${applied}`, { description: 5 }), {
        code: 'GEN_VALIDATION_ERROR',
        message: 'description: must be a string.',
      });
      const r = await t.http('POST', `/refund-transaction/${applied}`, {
        skip_queue: true,
        meta_data: null,
        description: null,
        dry_run: null,
      });
      expect(r.status).toBe(201);
      expect(r.json).toMatchObject({ status: 'APPLIED', source: b, destination: a });
    });
  });

  describe('dates are strict everywhere (no roll-over)', () => {
    const impossible = [
      '2027-02-30T10:00:00Z',
      '2027-13-01T10:00:00Z',
      '2027-01-01T24:00:00Z',
      '2027-01-01T23:60:00Z',
    ];

    it.each(impossible)('transaction dates %s: 400 with the messages of §5.1', async (date) => {
      for (const skip_queue of [true, false]) {
        for (const field of ['scheduled_for', 'inflight_expiry_date', 'inflight_commit_date']) {
          await refused(
            txn(body({ skip_queue, inflight: true, [field]: date })),
            invalid(`${field}: ${SCHEDULE_MSG}.`),
          );
        }
        await refused(
          txn(body({ skip_queue, effective_date: date })),
          invalid('effective_date: must be an RFC 3339 date-time.'),
        );
      }
      await refused(
        post('/transactions/bulk', { transactions: [body({ scheduled_for: date })] }),
        invalid(`transactions[0]: scheduled_for: ${SCHEDULE_MSG}.`),
      );
    });

    it.each(impossible)('API key expires_at %s: 400', async (date) => {
      await refused(
        post('/api-keys', { name: 'k', owner: 'o', scopes: ['ledgers:read'], expires_at: date }),
        { code: 'GEN_VALIDATION_ERROR', message: /^expires_at: must be an RFC 3339 date-time/ },
      );
    });

    it.each(['1990-02-30T00:00:00Z', '1990-02-03T25:00:00Z', '1990-02-03T23:60:00Z'])(
      'identity dob %s: 400',
      async (dob) => {
        await refused(post('/identities', { first_name: 'a', dob }), {
          code: 'IDT_VALIDATION_ERROR',
        });
      },
    );

    it('date filters on lists: 400', async () => {
      const r = await t.http('GET', '/transactions?created_at_gte=2027-02-30');
      expect([r.status, r.json.error_detail.code]).toEqual([400, 'GEN_BAD_REQUEST']);
    });

    it('valid dates still work: the last day of February, offsets, fractions', async () => {
      const r = await c.txn({
        source: a,
        destination: b,
        precise_amount: 1,
        reference: ref(),
        inflight: true,
        inflight_expiry_date: '2099-02-28T23:59:59.5+05:30',
        effective_date: '2024-02-29T00:00:00Z',
      });
      expect(r.status).toBe(201);
      expect(r.json.inflight_expiry_date).toBe('2099-02-28T18:29:59.500Z');
    });
  });

  describe('precision and numbers (item 11)', () => {
    const raw = (fields: string, skipQueue = true) =>
      `{"currency":"USD","description":"d","source":"@World","destination":"${b}",` +
      `"reference":"${ref()}","allow_overdraft":true,"skip_queue":${skipQueue},${fields}}`;

    it('precision 1e18 (a JSON number with an exponent) works like the written-out integer', async () => {
      for (const p of ['1e18', '1000000000000000000', '1E+18']) {
        const r = await t.http('POST', '/transactions', raw(`"amount":1.5,"precision":${p}`));
        expect(r.status).toBe(201);
        expect(parseBig(r.text)).toMatchObject({
          precision: 10n ** 18n,
          precise_amount: 15n * 10n ** 17n,
          status: 'APPLIED',
        });
      }
    });

    it('a fractional precision keeps TXN_PRECISION_NOT_INTEGER (legacy key `error`)', async () => {
      await refused(txn(raw('"amount":1,"precision":100.5')), {
        code: 'TXN_PRECISION_NOT_INTEGER',
        key: 'error',
        message: 'precision must be an integer value',
      });
    });

    it.each([
      ['amount 1e400', '"amount":1e400', /^amount: /],
      // An integer however it is written (1e300 is one): far past what a float amount may say.
      ['amount 1e300', '"amount":1e300', /^amount: /],
      ['amount -0', '"amount":-0', 'amount: either amount or precise_amount is required.'],
      ['amount as a string', '"amount":"5"', 'amount: must be a number.'],
      ['precise_amount "12abc"', '"precise_amount":"12abc"', /^precise_amount: must be an integer/],
      ['precise_amount 1.5', '"precise_amount":1.5', /^precise_amount: must be an integer/],
      ['precise_amount [5]', '"precise_amount":[5]', /^precise_amount: must be an integer/],
      [
        'precise_amount of 5000 digits',
        `"precise_amount":${'9'.repeat(5000)}`,
        /^precise_amount: /,
      ],
      [
        'precise_amount "-5"',
        '"precise_amount":"-5"',
        /^precise_amount: precise_amount cannot be negative/,
      ],
      [
        'precision of 200000 digits',
        `"amount":1,"precision":1${'0'.repeat(200000)}`,
        /^precision: /,
      ],
      ['overdraft_limit -1', '"precise_amount":1,"overdraft_limit":-1', /^overdraft_limit: /],
      ['overdraft_limit 1e400', '"precise_amount":1,"overdraft_limit":1e400', /^overdraft_limit: /],
      [
        'overdraft_limit null',
        '"precise_amount":1,"overdraft_limit":null',
        'overdraft_limit: cannot be null.',
      ],
    ])('%s: 400 TXN_VALIDATION_ERROR', async (_n, fields, message) => {
      await refused(txn(raw(fields)), invalid(message));
      await refused(txn(raw(fields, false)), invalid(message));
    });

    it.each([
      ['precise_amount "-0"', '"precise_amount":"-0"'],
      ['precise_amount 0', '"precise_amount":0'],
      ['amount that rounds to 0', '"amount":0.001,"precision":100'],
    ])('%s: 400 TXN_INVALID_AMOUNT', async (_n, fields) => {
      await refused(txn(raw(fields)), { code: 'TXN_INVALID_AMOUNT' });
    });
  });

  describe('bodies of the wrong shape (item 11: one legacy key per route)', () => {
    const bad = ['{"a":', '{"currency":"USD"} x', 'hello', '[]', '"x"', '42', 'null', '[{}]'];

    it.each(bad)('POST /transactions %j: 400 GEN_MALFORMED_REQUEST under `error`', async (text) => {
      await refused(txn(text), {
        code: 'GEN_MALFORMED_REQUEST',
        key: 'error',
        message: /^Invalid input/,
      });
    });

    it.each(bad)('bulk, inflight and refund routes %j: the same', async (text) => {
      for (const send of [
        post('/transactions/bulk', text),
        put(`/transactions/inflight/${hold}`, text),
        post('/transactions/inflight/bulk/commit', text),
      ]) {
        await refused(send, { code: 'GEN_MALFORMED_REQUEST', key: 'error' });
      }
      if (text !== 'null') {
        await refused(post(`/refund-transaction/${applied}`, text), {
          code: 'GEN_MALFORMED_REQUEST',
          key: 'error',
        });
      }
    });

    it.each(bad)(
      'POST /ledgers %j: 400 GEN_MALFORMED_REQUEST under `errors` (§2.2)',
      async (text) => {
        const r = await t.http('POST', '/ledgers', text);
        expect([r.status, r.json.error_detail.code]).toEqual([400, 'GEN_MALFORMED_REQUEST']);
        expect(r.json.errors).toBe(r.json.error_detail.message);
        expect(r.json.error).toBeUndefined();
      },
    );

    it.each([
      ['meta_data []', { meta_data: [] }, 'meta_data: must be a JSON object.'],
      ['meta_data "x"', { meta_data: 'x' }, 'meta_data: must be a JSON object.'],
      ['source ["x"]', { source: ['x'] }, 'source: must be a string.'],
      ['sources {}', { source: undefined, sources: {} }, /^sources: must be an array/],
      [
        'sources ["x"]',
        { source: undefined, sources: ['x'] },
        'sources.0: each item must be a JSON object.',
      ],
      ['skip_queue "yes"', { skip_queue: 'yes' }, 'skip_queue: must be a boolean.'],
      ['an unknown field', { precise_amout: 5 }, 'precise_amout: unknown field.'],
    ])('%s: 400 TXN_VALIDATION_ERROR', async (_n, over, message) => {
      await refused(txn(body({ skip_queue: true, ...over })), invalid(message));
    });
  });

  describe('text the database cannot hold', () => {
    const rnd = (k: number) => randomBytes(k).toString('base64url').slice(0, k);
    // Text PostgreSQL cannot store is refused by the JSON parser, for every route (issue 11).
    const NOT_TEXT = 'must not contain a NUL character or an unpaired UTF-16 surrogate';
    const atEdge = (path: string) => new RegExp(`^Invalid input: ${path}: ${NOT_TEXT} \\(at`);

    it('unicode in a reference is kept exactly', async () => {
      const reference = `ü€😀-${ref()}-‮-日本`;
      const r = await c.txn({ source: a, destination: b, precise_amount: 1, reference });
      expect(r.status).toBe(201);
      const got = await t.http('GET', `/transactions/reference/${encodeURIComponent(reference)}`);
      expect(got.json.reference).toBe(reference);
    });

    it.each([
      ['a NUL in the reference', '"reference":"a\\u0000b"', atEdge('reference')],
      [
        'a NUL in meta_data',
        '"reference":"nul1","meta_data":{"x":"a\\u0000"}',
        atEdge('meta_data\\.x'),
      ],
      [
        'a NUL in a meta_data key',
        '"reference":"nul2","meta_data":{"k\\u0000":1}',
        /^Invalid input: meta_data: has a key that must not contain a NUL character/,
      ],
      ['an unpaired surrogate in the reference', '"reference":"x\\ud800y"', atEdge('reference')],
      [
        'an unpaired surrogate in meta_data',
        '"reference":"sur1","meta_data":{"k":"\\udc00"}',
        atEdge('meta_data\\.k'),
      ],
      // It would be stored as null: JSON has no Infinity.
      [
        '1e400 in meta_data',
        '"reference":"inf1","meta_data":{"k":1e400}',
        'meta_data.k: is too large (or not a finite number).',
      ],
      [
        'an integer of a million digits in meta_data',
        `"reference":"big1","meta_data":{"k":${'9'.repeat(1_000_000)}}`,
        'meta_data.k: is too large (or not a finite number).',
      ],
    ])('%s: 400, queued or not', async (_n, fields, message) => {
      for (const skip_queue of [true, false]) {
        const text = `{"currency":"USD","description":"d","source":"${a}","destination":"${b}","precise_amount":1,"skip_queue":${skip_queue},${fields}}`;
        const want =
          message instanceof RegExp
            ? { code: 'GEN_MALFORMED_REQUEST', key: 'error' as const, message }
            : invalid(message);
        await refused(txn(text), want);
      }
    });

    it('values too long for an index: 400 instead of a failed insert', async () => {
      for (const skip_queue of [true, false]) {
        await refused(
          txn(body({ skip_queue, reference: rnd(5000) })),
          invalid('reference: must be at most 512 characters.'),
        );
        await refused(
          txn(body({ skip_queue, source: '@' + rnd(5000), allow_overdraft: true })),
          invalid('source: must be at most 512 characters.'),
        );
        await refused(
          txn(body({ skip_queue, currency: rnd(5000) })),
          invalid('currency: must be at most 64 characters.'),
        );
      }
      // At the bound, incompressible: stored and found again.
      const reference = rnd(512);
      expect(
        (await c.txn({ source: a, destination: b, precise_amount: 1, reference })).status,
      ).toBe(201);
      const ind = await c.txn({
        source: '@' + rnd(511),
        destination: b,
        precise_amount: 1,
        reference: ref(),
        allow_overdraft: true,
      });
      expect(ind.status).toBe(201);
    });

    it('nesting beyond 32 levels: 400, not a stack overflow', async () => {
      for (const depth of [100, 2000, 4000]) {
        let deep = '1';
        for (let i = 0; i < depth; i++) deep = i % 2 ? `[${deep}]` : `{"a":${deep}}`;
        const text = `{"currency":"USD","description":"d","source":"${a}","destination":"${b}","precise_amount":1,"reference":"${ref()}","skip_queue":true,"meta_data":${deep}}`;
        await refused(txn(text), {
          code: 'GEN_MALFORMED_REQUEST',
          message: /^Invalid input: meta_data[.a0]*: is nested too deeply \(at most 32 levels\)/,
        });
      }
    });

    it('routes without a body DTO are covered by the database net: 400, not 500', async () => {
      await refused(() => t.http('GET', '/transactions/reference/a%00b'), {
        code: 'GEN_BAD_REQUEST',
      });
      await refused(() => t.http('GET', '/transactions/a%00b'), { code: 'GEN_BAD_REQUEST' });
      await refused(() => t.http('GET', '/transactions?reference_eq=a%00b'), {
        code: 'GEN_BAD_REQUEST',
      });
      await refused(
        post('/transactions/filter', {
          filters: [{ field: 'reference', operator: 'eq', value: 'a\u0000' }],
        }),
        { code: 'GEN_MALFORMED_REQUEST' },
      );
      // A balance currency too long for its index: bounded like a transaction's (issue 11).
      await refused(post('/balances', { ledger_id: ledger, currency: rnd(5000) }), {
        code: 'GEN_VALIDATION_ERROR',
        message: 'currency: must be at most 64 characters.',
      });
      // The parser names the field.
      await refused(post(`/${applied}/metadata`, { meta_data: { x: 'a\u0000' } }), {
        code: 'GEN_MALFORMED_REQUEST',
        message: atEdge('meta_data\\.x'),
      });
    });

    // Past the router's parameter limit no route matches (404) or Fastify refuses the URL (400);
    // either way the answer is in the envelope (frameworkErrors), never Fastify's own body.
    it('a path parameter that is too long, or badly encoded: 4xx in the envelope', async () => {
      const long = 'x'.repeat(7000);
      for (const [method, path] of [
        ['GET', `/transactions/${long}`],
        ['GET', `/transactions/reference/${long}`],
        ['POST', `/refund-transaction/${long}`],
        ['PUT', `/transactions/inflight/${long}`],
        ['GET', '/transactions/%zz'],
      ]) {
        const r = await t.http(method, path, method === 'GET' ? undefined : { status: 'commit' });
        expect([400, 404]).toContain(r.status);
        expect(typeof r.json.error_detail.code).toBe('string');
        expect(r.text).not.toMatch(/at .*\.(ts|js):\d+|node_modules/);
      }
    });
  });
});
