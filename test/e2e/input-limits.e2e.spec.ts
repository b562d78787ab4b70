import { HttpResult, startTestApp, TestApp } from '../support/app';
import { cloneRows, fingerprint } from '../support/fingerprint';
import { waitFor } from '../support/wait';

/**
 * Issue 11, findings 7 and 11: inputs that reached a 500 (or were stored as something else than
 * was sent) and lists without a cap. Every refusal is a 400 in Blnk's envelope that writes
 * nothing: a digest of every row of the ledger's tables is compared before and after.
 */
describe('input limits (issue 11: findings 7 and 11)', () => {
  let t: TestApp;
  let ledger: string;
  let bal: string;
  let idt: string;
  let txn: string;
  let n = 0;
  const ref = () => `il-${n++}`;

  const refused = async (
    send: () => Promise<HttpResult>,
    want: { code?: string; message?: RegExp } = {},
  ): Promise<HttpResult> => {
    const before = await fingerprint(t.ds);
    const r = await send();
    expect({ status: r.status, code: r.json?.error_detail?.code }).toEqual({
      status: 400,
      code: want.code ?? expect.any(String),
    });
    const message = r.json.error_detail.message as string;
    // The legacy key holds the message, or (invalid filter parameters) the list of problems.
    const legacy = r.json.error ?? r.json.errors;
    if (typeof legacy === 'string') expect(legacy).toBe(message);
    else expect(Array.isArray(legacy)).toBe(true);
    if (want.message) expect(message).toMatch(want.message);
    expect(message).not.toMatch(/call stack|QueryFailedError|SQLSTATE|fastify/i);
    expect(await fingerprint(t.ds)).toEqual(before);
    return r;
  };
  const send = (method: string, path: string, body?: unknown) => () => t.http(method, path, body);
  const txnBody = (over: Record<string, unknown> = {}) => ({
    source: bal,
    destination: '@il-dest',
    currency: 'USD',
    precise_amount: 100,
    description: 'd',
    reference: ref(),
    allow_overdraft: true,
    skip_queue: true,
    ...over,
  });

  beforeAll(async () => {
    t = await startTestApp();
    ledger = (await t.http('POST', '/ledgers', { name: 'limits' })).json.ledger_id;
    bal = (await t.http('POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json
      .balance_id;
    idt = (await t.http('POST', '/identities', { first_name: 'Ada' })).json.identity_id;
    const r = await t.http('POST', '/transactions', txnBody());
    expect(r.status).toBe(201);
    txn = r.json.transaction_id;
  });
  afterAll(() => t.close());

  describe('a NUL character is refused at the edge, for every route', () => {
    const URL_NUL = /^the URL must not contain a NUL character/;

    it('in any path parameter', async () => {
      const routes: [string, string, unknown?][] = [
        ['GET', '/ledgers/a%00b'],
        ['PUT', '/ledgers/a%00b', { name: 'x' }],
        ['GET', '/balances/a%00b'],
        ['PUT', '/balances/a%00b/identity', { identity_id: 'idt_x' }],
        ['GET', '/balances/indicator/@a%00/currency/USD'],
        ['GET', '/balances/indicator/@a/currency/US%00'],
        ['GET', '/identities/a%00b'],
        ['PUT', '/identities/a%00b', { first_name: 'y' }],
        ['DELETE', '/identities/a%00b'],
        ['GET', '/identities/a%00b/tokenized-fields'],
        ['POST', '/identities/a%00b/tokenize/FirstName'],
        ['POST', '/identities/a%00b/tokenize', { fields: ['FirstName'] }],
        ['GET', '/identities/a%00b/detokenize/FirstName'],
        ['POST', '/identities/a%00b/detokenize', { fields: ['FirstName'] }],
        ['POST', '/a%00b/metadata', { meta_data: { a: 1 } }],
        ['POST', '/refund-transaction/a%00b'],
        ['PUT', '/transactions/inflight/a%00b', { status: 'commit' }],
        ['GET', '/transactions/a%00b'],
        ['GET', '/transactions/reference/a%00b'],
        ['DELETE', '/api-keys/a%00b'],
      ];
      for (const [method, path, body] of routes) {
        await refused(send(method, path, body), { code: 'GEN_BAD_REQUEST', message: URL_NUL });
      }
    });

    it('in any query parameter or filter', async () => {
      for (const path of [
        '/ledgers?name_eq=a%00',
        '/ledgers?meta_data.k_eq=a%00',
        '/balances?currency_in=USD,a%00',
        '/transactions?reference_like=%00%25',
        '/identities?first_name_eq=a%00',
        '/api-keys?owner=a%00b',
        '/transactions?limit=1%00',
        '/ledgers?na%00me_eq=x',
        `/balances/${bal}?include=%00`,
      ]) {
        await refused(send('GET', path), { code: 'GEN_BAD_REQUEST', message: URL_NUL });
      }
    });

    it('in any JSON string or key, with or without a DTO, naming the member', async () => {
      const cases: [string, string, RegExp][] = [
        ['/ledgers', '{"name":"a\\u0000"}', /^Invalid input: name: must not contain a NUL/],
        [
          '/ledgers/filter',
          '{"filters":[{"field":"name","operator":"eq","value":"\\u0000"}]}',
          /filters\.0\.value: must not contain a NUL/,
        ],
        [
          '/identities',
          '{"first_name":"x","meta_data":{"k\\u0000":1}}',
          /meta_data: has a key that must not contain a NUL/,
        ],
        [
          '/identities/filter',
          '{"filters":[{"field":"first_name","operator":"in","values":["\\u0000"]}]}',
          /filters\.0\.values\.0: must not/,
        ],
        [
          '/transactions/bulk',
          `{"transactions":[{"reference":"\\u0000"}]}`,
          /transactions\.0\.reference: must not/,
        ],
        [
          `/${txn}/metadata`,
          '{"meta_data":{"x":"a\\u0000"}}',
          /meta_data\.x: must not contain a NUL/,
        ],
      ];
      for (const [path, body, message] of cases) {
        await refused(send('POST', path, body), { code: 'GEN_MALFORMED_REQUEST', message });
      }
    });
  });

  describe('LIKE patterns', () => {
    it('a pattern ending in an unescaped backslash is a 400 on every list and field kind', async () => {
      for (const path of [
        '/ledgers?name_like=a%5C',
        '/ledgers?name_ilike=%25a%5C',
        '/transactions?reference_like=%5C',
        '/transactions?amount_like=1%5C',
        '/ledgers?meta_data.k_like=x%5C%5C%5C',
        '/identities?first_name_ilike=a%5C',
      ]) {
        await refused(send('GET', path), {
          code: 'GEN_BAD_REQUEST',
          message: /^Invalid filter: .*must not end with an unescaped backslash/,
        });
      }
      await refused(
        send('POST', '/balances/filter', {
          filters: [{ field: 'currency', operator: 'like', value: 'US\\' }],
        }),
        { code: 'GEN_BAD_REQUEST', message: /unescaped backslash/ },
      );
    });

    it('wildcards and escaped backslashes keep their PostgreSQL meaning', async () => {
      const name = 'back\\slash 100%';
      const id = (await t.http('POST', '/ledgers', { name })).json.ledger_id;
      const found = async (pattern: string) =>
        (await t.http('GET', `/ledgers?name_like=${encodeURIComponent(pattern)}`)).json.map(
          (l: { ledger_id: string }) => l.ledger_id,
        );
      expect(await found('back\\\\slash%')).toEqual([id]);
      expect(await found('%100\\%')).toEqual([id]);
      // `_` is any one character (the backslash too); `\s` is a plain s.
      expect(await found('back_slash%')).toEqual([id]);
      expect(await found('back\\slash%')).toEqual([]);
    });
  });

  describe('metadata keys', () => {
    it('__proto__, constructor and prototype are refused however they are escaped', async () => {
      for (const key of [
        '__proto__',
        'constructor',
        'prototype',
        '\\u005f_proto__',
        '\\u0063onstructor',
        'pr\\u006ftotype',
      ]) {
        for (const [path, body] of [
          ['/ledgers', `{"name":"x","meta_data":{"${key}":{"a":1}}}`],
          ['/transactions', `{"reference":"p","meta_data":{"nested":{"${key}":1}}}`],
          [`/${txn}/metadata`, `{"meta_data":{"${key}":1}}`],
          ['/identities', `{"${key}":"x"}`],
        ]) {
          await refused(send('POST', path, body), {
            code: 'GEN_MALFORMED_REQUEST',
            message: /forbidden key "(__proto__|constructor|prototype)"/,
          });
        }
      }
    });

    it('every other key is stored and listed exactly as sent', async () => {
      const meta_data = {
        toString: 1,
        valueOf: 'v',
        hasOwnProperty: true,
        __defineGetter__: [1],
        isPrototypeOf: {},
      };
      const l = await t.http('POST', '/ledgers', { name: 'keys', meta_data });
      expect(l.status).toBe(201);
      expect(l.json.meta_data).toEqual(meta_data);
      expect((await t.http('GET', `/ledgers/${l.json.ledger_id}`)).json.meta_data).toEqual(
        meta_data,
      );
      const tx = await t.http('POST', '/transactions', txnBody({ meta_data }));
      expect(tx.status).toBe(201);
      // The engine's keys (allow_overdraft) are shown beside the client's.
      expect(
        (await t.http('GET', `/transactions/${tx.json.transaction_id}`)).json.meta_data,
      ).toMatchObject(meta_data);
      // Queued: the worker reads the request back from the database and applies it.
      const queued = await t.http(
        'POST',
        '/transactions',
        txnBody({ meta_data, skip_queue: false }),
      );
      expect(queued.status).toBe(201);
      // The applied row is a new row whose parent is the queued one (reference §5.3).
      const applied = await waitFor(async () => {
        const r = await t.http(
          'GET',
          `/transactions?parent_transaction_eq=${queued.json.transaction_id}`,
        );
        return r.json?.[0]?.status === 'APPLIED' ? r.json[0] : undefined;
      });
      expect(applied.meta_data).toMatchObject(meta_data);
      const m = await t.http('POST', `/${bal}/metadata`, { meta_data });
      expect(m.status).toBe(200);
      expect((await t.http('GET', `/balances/${bal}`)).json.meta_data).toEqual(meta_data);
    });
  });

  describe('nesting', () => {
    const deep = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);

    it('1,000 to 100,000 levels: a 400 naming the limit, never a stack message', async () => {
      for (const levels of [1000, 1500, 4500, 100_000]) {
        for (const [path, body] of [
          ['/ledgers', `{"name":"x","meta_data":${deep(levels)}}`],
          ['/identities', `{"meta_data":${deep(levels)}}`],
          ['/ledgers/filter', `{"filters":[${deep(levels)}]}`],
          ['/transactions/bulk', `{"transactions":[{"meta_data":${deep(levels)}}]}`],
        ]) {
          await refused(send('POST', path, body), {
            code: 'GEN_MALFORMED_REQUEST',
            message: /is nested too deeply \(at most 32 levels\)/,
          });
        }
      }
    });

    it('a body of 32 levels is stored and listed; 33 is refused', async () => {
      // The body is level 1, so meta_data may hold 31 levels (itself included).
      const ok = await t.http('POST', '/ledgers', `{"name":"deep","meta_data":${deep(31)}}`);
      expect(ok.status).toBe(201);
      expect((await t.http('GET', '/ledgers?limit=100')).status).toBe(200);
      await refused(send('POST', '/ledgers', `{"name":"deep","meta_data":${deep(32)}}`), {
        message: /is nested too deeply/,
      });
    });
  });

  describe('dates and numbers', () => {
    it('year 0000 is refused wherever a date is taken', async () => {
      const zero = '0000-01-01T00:00:00Z';
      await refused(send('POST', '/transactions', txnBody({ effective_date: zero })));
      await refused(
        send('POST', '/transactions', txnBody({ scheduled_for: zero, skip_queue: false })),
      );
      await refused(
        send('POST', '/transactions', txnBody({ inflight: true, inflight_expiry_date: zero })),
      );
      await refused(send('POST', '/identities', { first_name: 'x', dob: zero }));
      await refused(send('PUT', `/identities/${idt}`, { dob: zero }));
      await refused(send('GET', '/transactions?created_at_gt=0000-01-01'));
      await refused(send('GET', '/ledgers?created_at_between=0000-01-01|2020-01-01'));
      await refused(
        send('POST', '/identities/filter', {
          filters: [{ field: 'dob', operator: 'eq', value: '0000-12-31' }],
        }),
      );
    });

    it('an amount of 5,000 digits is refused, as a number or a string, on every money route', async () => {
      const huge = '9'.repeat(5000);
      for (const [method, path, body] of [
        [
          'POST',
          '/transactions',
          JSON.stringify(txnBody()).replace('"precise_amount":100', `"precise_amount":${huge}`),
        ],
        ['POST', '/transactions', txnBody({ precise_amount: huge })],
        ['POST', '/transactions', txnBody({ precise_amount: undefined, amount: Number(huge) })],
        ['POST', '/transactions/bulk', { transactions: [txnBody({ precise_amount: huge })] }],
        ['PUT', `/transactions/inflight/${txn}`, `{"status":"commit","precise_amount":${huge}}`],
        [
          'POST',
          '/transactions/inflight/bulk/commit',
          `{"transactions":[{"transaction_id":"${txn}","precise_amount":${huge}}]}`,
        ],
        [
          'POST',
          '/transactions/filter',
          `{"filters":[{"field":"amount","operator":"gt","value":${huge}}]}`,
        ],
      ] as [string, string, unknown][]) {
        const r = await refused(send(method, path, body));
        expect(r.text.length).toBeLessThan(2000);
      }
      await refused(send('GET', `/transactions?amount_gt=${'9'.repeat(1001)}`));
    });
  });

  describe('lengths', () => {
    const long = (k: number) => 'x'.repeat(k);

    it('strings past their documented length are refused', async () => {
      const cases: [string, string, unknown, RegExp][] = [
        ['POST', '/ledgers', { name: long(513) }, /name: must be at most 512 characters/],
        ['PUT', `/ledgers/${ledger}`, { name: long(513) }, /name: must be at most 512/],
        [
          'POST',
          '/balances',
          { ledger_id: ledger, currency: long(65) },
          /currency: must be at most 64/,
        ],
        [
          'POST',
          '/balances',
          { ledger_id: long(513), currency: 'USD' },
          /ledger_id: must be at most 512/,
        ],
        [
          'POST',
          '/balances',
          { ledger_id: 'general_ledger_id', currency: 'USD', indicator: '@' + long(512) },
          /indicator: must be at most 512/,
        ],
        [
          'POST',
          '/transactions',
          txnBody({ description: long(2049) }),
          /description: must be at most 2048/,
        ],
        [
          'POST',
          `/refund-transaction/${txn}`,
          { description: long(2049) },
          /description: must be at most 2048/,
        ],
        [
          'POST',
          '/transactions',
          txnBody({ reference: long(513) }),
          /reference: must be at most 512/,
        ],
        [
          'POST',
          '/ledgers',
          { name: 'x', meta_data: { [long(257)]: 1 } },
          /meta_data: keys must be at most 256 characters/,
        ],
        [
          'POST',
          '/ledgers',
          { name: 'x', meta_data: { k: [long(10_001)] } },
          /meta_data: text values must be at most 10000 characters/,
        ],
        [
          'POST',
          `/${bal}/metadata`,
          { meta_data: { a: { [long(300)]: 1 } } },
          /meta_data: keys must be at most 256/,
        ],
        [
          'POST',
          '/identities',
          { meta_data: { k: long(10_001) } },
          /meta_data: text values must be at most 10000/,
        ],
        ['POST', '/identities', { first_name: long(10_001) }, /first_name: /],
      ];
      for (const [method, path, body, message] of cases) {
        await refused(send(method, path, body), { message });
      }
    });

    it('at the bounds everything is stored, and a longest reference can be fetched again', async () => {
      const meta_data = { [long(256)]: long(10_000) };
      expect((await t.http('POST', '/ledgers', { name: long(512), meta_data })).status).toBe(201);
      // 512 characters of three UTF-8 bytes each: the longest a reference can be in the URL.
      const reference = '€'.repeat(512);
      const r = await t.http(
        'POST',
        '/transactions',
        txnBody({ reference, description: long(2048) }),
      );
      expect(r.status).toBe(201);
      const got = await t.http('GET', `/transactions/reference/${encodeURIComponent(reference)}`);
      expect(got.status).toBe(200);
      expect(got.json.transaction_id).toBe(r.json.transaction_id);
      // Characters that mean something in a URL are found again once percent-encoded. (`.` and
      // `..` alone cannot be sent as a segment: URL parsers resolve them, even as %2E.)
      for (const odd of ['a/b', 'a?b#c', '100%', 'a b+c', '.x.', 'x\\']) {
        const created = await t.http('POST', '/transactions', txnBody({ reference: odd }));
        expect(created.status).toBe(201);
        const found = await t.http('GET', `/transactions/reference/${encodeURIComponent(odd)}`);
        expect({ odd, id: found.json?.transaction_id }).toEqual({
          odd,
          id: created.json.transaction_id,
        });
      }
    });
  });

  describe('lists are capped (finding 11)', () => {
    beforeAll(async () => {
      await cloneRows(t.ds, 'ledgers', { column: 'ledger_id', value: ledger }, ['ledger_id'], 1100);
      await cloneRows(
        t.ds,
        'identity',
        { column: 'identity_id', value: idt },
        ['identity_id'],
        1100,
      );
      await cloneRows(t.ds, 'balances', { column: 'balance_id', value: bal }, ['balance_id'], 1100);
      await cloneRows(
        t.ds,
        'transactions',
        { column: 'transaction_id', value: txn },
        ['transaction_id', 'reference'],
        1100,
      );
    });

    it.each([
      ['/transactions', 20],
      ['/balances', 10],
      ['/ledgers', 10],
      ['/identities', 1000],
    ])('GET %s: default %i rows, never more than the maximum', async (path, dflt) => {
      expect((await t.http('GET', path)).json).toHaveLength(dflt);
      const max = path === '/ledgers' ? 20 : 1000;
      for (const q of ['?limit=100000', '?limit=1001', '?limit=1000000000000000']) {
        const r = await t.http('GET', path + q);
        expect(r.status).toBe(200);
        expect(r.json.length).toBeLessThanOrEqual(max);
      }
      expect((await t.http('GET', `${path}?limit=1000`)).json.length).toBeLessThanOrEqual(1000);
    });

    it('filtered lists and filter bodies keep their reference caps', async () => {
      const r = await t.http('GET', '/transactions?currency_eq=USD&limit=5000');
      expect(r.json).toHaveLength(1000);
      const f = await t.http('POST', '/identities/filter', { limit: 100000 });
      expect(f.json).toHaveLength(20);
      const paged = await t.http('GET', '/identities?limit=1000&offset=1000');
      expect(paged.json).toHaveLength(101);
    });
  });
});
