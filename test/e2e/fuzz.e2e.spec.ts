import fc from 'fast-check';
import { FILTER_OPERATORS } from '@libs/core/list-query';
import { startTestApp, TestApp } from '../support/app';
import { fingerprint } from '../support/fingerprint';
import { StaticTokenKeys } from '../../src/modules/identity/infrastructure/keys/static-token-keys';

/**
 * Hostile input against a running server (issue 11): JSON of any shape with control characters,
 * unpaired surrogates, escaped prototype keys, deep nesting and numbers of thousands of digits, in
 * every slot of every write route; odd path segments and query filters on every read. Whatever is
 * sent: never a 5xx, every 4xx in Blnk's envelope, and nothing written by a 4xx (a digest of
 * every row of the ledger's tables before and after). Deterministic: the seed is fixed and
 * printed; NERACA_FUZZ_SEED / NERACA_FUZZ_RUNS replay or widen a run.
 */
const SEED = Number(process.env.NERACA_FUZZ_SEED ?? 20261201);
const RUNS = Number(process.env.NERACA_FUZZ_RUNS ?? 300);

/** Percent-encodes every UTF-16 unit, an unpaired surrogate as the (invalid) UTF-8 it would be. */
function encodeUnits(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xd800 && c <= 0xdfff) {
      out +=
        `%${(0xe0 | (c >> 12)).toString(16)}%${(0x80 | ((c >> 6) & 0x3f)).toString(16)}%${(0x80 | (c & 0x3f)).toString(16)}`.toUpperCase();
    } else out += encodeURIComponent(ch);
  }
  return out;
}

// --- values ------------------------------------------------------------------------------------

const char16 = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const special = fc.constantFrom(
  '\u0000',
  '\\',
  '%',
  '_',
  '"',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '\ud800',
  '\udfff',
  '0000-01-01T00:00:00Z',
  '2024-02-30T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '@world',
  'general_ledger_id',
  'USD',
  '..',
  '/',
  '\u202e',
  '\r\n',
);
const nastyString = fc.oneof(
  fc.string({ unit: char16, maxLength: 16 }),
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc.string({ unit: fc.oneof(char16, special), maxLength: 6 }),
  special,
  fc.integer({ min: 0, max: 12 }).map((k) => 'x'.repeat(4 * 2 ** k)),
);

// JSON text, so that what JSON.stringify cannot write (escapes chosen by hand, huge literals) is
// sent too.
const stringText = fc.oneof(
  nastyString.map((s) => JSON.stringify(s)),
  fc.constantFrom(
    '"\\u0000"',
    '"a\\u0000b"',
    '"\\u0063onstructor"',
    '"\\u005f_proto__"',
    '"pr\\u006ftotype"',
    '"\\ud800"',
    '"\\uDC00x"',
    '"a\\\\"',
    '"%\\\\"',
  ),
);
const numberText = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.bigInt({ min: -(10n ** 90n), max: 10n ** 90n }).map(String),
  fc.integer({ min: 1, max: 6000 }).map((k) => '9'.repeat(k)),
  fc.constantFrom('1e400', '-1e400', '1e-400', '-0', '0.0', '1E+2', '1e18', '1e999999999', '0.1'),
);
const scalarText = fc.oneof(
  stringText,
  numberText,
  fc.constantFrom('true', 'false', 'null', '{}', '[]'),
);
const { value: valueText } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalarText, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }).map((xs) => `[${xs.join(',')}]`),
  object: fc
    .array(fc.tuple(stringText, tie('value')), { maxLength: 4 })
    .map((kv) => `{${kv.map(([k, v]) => `${k}:${v}`).join(',')}}`),
}));
const deepText = fc
  .tuple(fc.integer({ min: 25, max: 6000 }), fc.boolean(), scalarText)
  .map(([depth, arrays, leaf]) =>
    arrays
      ? '['.repeat(depth) + leaf + ']'.repeat(depth)
      : '{"a":'.repeat(depth) + leaf + '}'.repeat(depth),
  );
// Values a slot may well take, so that some requests pass and write (and the next is checked
// against the new state).
const plausibleText = fc.oneof(
  fc.constantFrom('"USD"', '1', '100', '"x"', 'true', 'false', 'null', '{}', '{"k":"v"}'),
  fc.constantFrom(
    '"2024-01-01T00:00:00Z"',
    '"2099-01-01T00:00:00+01:00"',
    '"@fuzz"',
    '"10%"',
    '25.5',
  ),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).map((x) => JSON.stringify(x)),
);
const anyValueText = fc.oneof(
  { arbitrary: plausibleText, weight: 3 },
  { arbitrary: valueText, weight: 4 },
  { arbitrary: scalarText, weight: 3 },
  { arbitrary: deepText, weight: 1 },
);

// --- requests ----------------------------------------------------------------------------------

interface Request {
  method: string;
  path: string;
  body?: string;
}

const SLOT = '\u0001slot\u0001';
const KEY = '\u0001key\u0001';

/** A route's valid body, and the places (paths into it) where hostile JSON goes. */
interface BodyRoute {
  method: string;
  path: () => string;
  body: () => Record<string, unknown>;
  slots: (string | number)[][];
}

function place(body: Record<string, unknown>, slot: (string | number)[], asKey: boolean): string {
  if (slot.length === 0) return JSON.stringify(SLOT);
  let target = body as Record<string | number, unknown>;
  for (const step of slot.slice(0, asKey ? slot.length : -1)) {
    if (typeof target[step] !== 'object' || target[step] === null) target[step] = {};
    target = target[step] as Record<string | number, unknown>;
  }
  if (asKey) target[KEY] = SLOT;
  else target[slot[slot.length - 1]] = SLOT;
  return JSON.stringify(body);
}

describe(`fuzz: hostile input never reaches a 5xx, is refused in the envelope, writes nothing (seed ${SEED}, ${RUNS} runs)`, () => {
  let t: TestApp;
  let ledger: string;
  let bal: string;
  let idt: string;
  let txn: string;
  let hold: string;
  let n = 0;
  const statuses = new Map<number, number>();

  /** Sends one request and checks the three properties. */
  async function check(req: Request): Promise<void> {
    const before = await fingerprint(t.ds);
    const res = await fetch(t.url + req.path, {
      method: req.method,
      headers: { 'x-blnk-key': t.key, 'content-type': 'application/json' },
      body: req.body,
    });
    const text = await res.text();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const what = `${req.method} ${req.path.slice(0, 300)} ${req.body?.slice(0, 300) ?? ''} -> ${res.status} ${text.slice(0, 300)}`;
    if (res.status >= 500) throw new Error(`5xx: ${what}`);
    if (res.status < 400) return;
    let body: {
      error?: unknown;
      errors?: unknown;
      error_detail?: { code?: unknown; message?: unknown };
    };
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`not JSON: ${what}`);
    }
    const detail = body.error_detail;
    if (typeof detail?.code !== 'string' || typeof detail.message !== 'string') {
      throw new Error(`no envelope: ${what}`);
    }
    if (body.error === undefined && body.errors === undefined)
      throw new Error(`no legacy key: ${what}`);
    if (/call stack|QueryFailedError|SQLSTATE|node_modules|\.ts:\d/.test(text)) {
      throw new Error(`internals leaked: ${what}`);
    }
    const after = await fingerprint(t.ds);
    if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(`a 4xx wrote: ${what}`);
  }

  const txnBody = () => ({
    source: bal,
    destination: '@fuzz',
    currency: 'USD',
    precise_amount: 1,
    description: 'fuzz',
    reference: `fz-${n++}`,
    allow_overdraft: true,
    skip_queue: true,
    meta_data: { k: 'v' },
  });
  const filterBody = () => ({
    filters: [{ field: 'created_at', operator: 'gte', value: '2020-01-01' }],
    limit: 5,
  });
  const FILTER_SLOTS = [
    [],
    ['filters'],
    ['filters', 0],
    ['filters', 0, 'value'],
    ['filters', 0, 'field'],
    ['filters', 0, 'operator'],
    ['filters', 0, 'values'],
    ['limit'],
    ['offset'],
    ['sort_by'],
  ];
  const routes: BodyRoute[] = [
    {
      method: 'POST',
      path: () => '/ledgers',
      body: () => ({ name: 'n', meta_data: {} }),
      slots: [[], ['name'], ['meta_data'], ['meta_data', 'k']],
    },
    {
      method: 'PUT',
      path: () => `/ledgers/${ledger}`,
      body: () => ({ name: 'n' }),
      slots: [[], ['name']],
    },
    {
      method: 'POST',
      path: () => '/balances',
      body: () => ({ ledger_id: ledger, currency: 'USD' }),
      slots: [[], ['ledger_id'], ['currency'], ['indicator'], ['meta_data'], ['identity_id']],
    },
    {
      method: 'POST',
      path: () => '/transactions',
      body: txnBody,
      slots: [
        [],
        ['reference'],
        ['precise_amount'],
        ['amount'],
        ['precision'],
        ['currency'],
        ['source'],
        ['destination'],
        ['description'],
        ['meta_data'],
        ['meta_data', 'k'],
        ['effective_date'],
        ['scheduled_for'],
        ['skip_queue'],
        ['sources'],
        ['overdraft_limit'],
      ],
    },
    {
      method: 'POST',
      path: () => '/transactions/bulk',
      body: () => ({ transactions: [txnBody()], skip_queue: true }),
      slots: [
        [],
        ['transactions'],
        ['transactions', 0],
        ['transactions', 0, 'precise_amount'],
        ['transactions', 0, 'meta_data'],
        ['atomic'],
      ],
    },
    {
      method: 'PUT',
      path: () => `/transactions/inflight/${hold}`,
      body: () => ({ status: 'commit', precise_amount: 1 }),
      slots: [[], ['status'], ['precise_amount'], ['amount']],
    },
    {
      method: 'POST',
      path: () => `/refund-transaction/${txn}`,
      body: () => ({ skip_queue: true }),
      slots: [[], ['description'], ['meta_data'], ['skip_queue']],
    },
    {
      method: 'POST',
      path: () => '/identities',
      body: () => ({ first_name: 'a', meta_data: {} }),
      slots: [
        [],
        ['first_name'],
        ['dob'],
        ['identity_id'],
        ['email_address'],
        ['meta_data'],
        ['meta_data', 'k'],
      ],
    },
    {
      method: 'PUT',
      path: () => `/identities/${idt}`,
      body: () => ({ last_name: 'b' }),
      slots: [[], ['last_name'], ['dob'], ['meta_data']],
    },
    {
      method: 'POST',
      path: () => `/${bal}/metadata`,
      body: () => ({ meta_data: { a: 1 } }),
      slots: [[], ['meta_data'], ['meta_data', 'a']],
    },
    {
      method: 'POST',
      path: () => `/${txn}/metadata`,
      body: () => ({ meta_data: { a: 1 } }),
      slots: [['meta_data'], ['meta_data', 'a']],
    },
    {
      method: 'POST',
      path: () => `/identities/${idt}/tokenize`,
      body: () => ({ fields: ['FirstName'] }),
      slots: [[], ['fields'], ['fields', 0]],
    },
    {
      method: 'POST',
      path: () => `/identities/${idt}/detokenize`,
      body: () => ({ fields: ['FirstName'] }),
      slots: [[], ['fields'], ['fields', 0]],
    },
    // Inactive (no `active` slot): a hook the fuzz makes is never called by a transaction.
    ...['POST /hooks', 'PUT /hooks/hook_fuzz'].map((route) => ({
      method: route.split(' ')[0],
      path: () => route.split(' ')[1],
      body: () => ({ url: 'http://127.0.0.1:8/', type: 'PRE_TRANSACTION', active: false }),
      slots: [[], ['url'], ['type'], ['id'], ['name'], ['timeout'], ['retry_count'], ['fail_open']],
    })),
    ...['ledgers', 'balances', 'transactions', 'identities'].map((c) => ({
      method: 'POST',
      path: () => `/${c}/filter`,
      body: filterBody,
      slots: FILTER_SLOTS,
    })),
  ];

  const bodyRequest = fc
    .tuple(fc.nat(), fc.nat(), fc.boolean(), stringText, anyValueText)
    .map(([r, s, asKey, key, value]): Request => {
      const route = routes[r % routes.length];
      const slot = route.slots[s % route.slots.length];
      const keyed = asKey && slot.length > 0;
      const text = place(route.body(), slot, keyed);
      const body = keyed
        ? text.replace(`${JSON.stringify(KEY)}:${JSON.stringify(SLOT)}`, `${key}:${value}`)
        : text.replace(JSON.stringify(SLOT), value);
      return { method: route.method, path: route.path(), body };
    });

  const segment = fc.oneof(
    nastyString.map(encodeUnits),
    fc.constantFrom(
      '%zz',
      '%',
      '%00',
      'a%00b',
      '%2e%2e',
      '..',
      '%2F',
      '%u0000',
      '%C0%80',
      '%ED%A0%80',
      '%FF',
      '%5C',
      '',
      '?',
      '#',
    ),
    fc.integer({ min: 0, max: 14 }).map((k) => 'x'.repeat(2 ** k)),
    // Real ids and names, so that reads and writes of existing entities are reached too.
    fc.nat().map((i) => [ledger, bal, idt, txn, hold][i % 5]),
    fc.constantFrom(
      'FirstName',
      'EmailAddress',
      'first_name',
      'USD',
      '%40fuzz',
      'general_ledger_id',
    ),
  );
  const FIELDS = [
    'name',
    'currency',
    'amount',
    'precise_amount',
    'created_at',
    'reference',
    'status',
    'dob',
    'balance_id',
    'indicator',
    'meta_data.k',
    'meta_data.customer_id',
  ];
  const OPS = [...FILTER_OPERATORS, 'neq', 'GTEQ', 'EQ', 'xx'];
  const queryParam = fc.oneof(
    fc
      .tuple(fc.constantFrom(...FIELDS), fc.constantFrom(...OPS), segment)
      .map(([f, o, v]) => `${f}_${o}=${v}`),
    fc
      .tuple(
        fc.constantFrom('limit', 'offset', 'logical_operator', 'include', 'with_queued', 'owner'),
        segment,
      )
      .map(([k, v]) => `${k}=${v}`),
    fc.tuple(segment, segment).map(([k, v]) => `${k}=${v}`),
  );
  const READS = [
    '/ledgers/{}',
    '/balances/{}',
    '/transactions/{}',
    '/transactions/reference/{}',
    '/identities/{}',
    '/identities/{}/tokenized-fields',
    '/identities/{}/detokenize/{}',
    '/identities/{}/tokenize/{}',
    '/balances/indicator/{}/currency/{}',
    '/ledgers',
    '/balances',
    '/transactions',
    '/identities',
    '/api-keys',
  ];
  const readRequest = fc
    .tuple(
      fc.nat(),
      segment,
      segment,
      fc.array(queryParam, { maxLength: 4 }),
      fc.constantFrom('GET', 'GET', 'DELETE', 'PUT', 'POST'),
    )
    .map(([r, a, b, params, method]): Request => {
      const template = READS[r % READS.length];
      let i = 0;
      const path = template.replace(/\{\}/g, () => (i++ === 0 ? a : b));
      const query = params.length ? `?${params.join('&')}` : '';
      // A write to a read path (a method the route lacks, or an id no entity has) is refused too.
      const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
      return { method, path: path + query, body };
    });

  beforeAll(async () => {
    // No workers: a queued request accepted by one run must not change the tables during the next.
    t = await startTestApp({
      workers: false,
      tokenKeys: new StaticTokenKeys([Buffer.alloc(32, 7)]),
    });
    console.log(
      `fuzz seed ${SEED} (NERACA_FUZZ_SEED=${SEED} replays it), ${RUNS} runs per property`,
    );
    ledger = (await t.http('POST', '/ledgers', { name: 'fuzz' })).json.ledger_id;
    bal = (await t.http('POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json
      .balance_id;
    idt = (await t.http('POST', '/identities', { first_name: 'Ada' })).json.identity_id;
    txn = (await t.http('POST', '/transactions', txnBody())).json.transaction_id;
    hold = (await t.http('POST', '/transactions', { ...txnBody(), inflight: true })).json
      .transaction_id;
    expect([ledger, bal, idt, txn, hold].every((x) => typeof x === 'string')).toBe(true);
  });
  afterAll(async () => {
    console.log(`fuzz statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    await t.close();
  });

  it('bodies: any JSON in any slot of any write route', async () => {
    await fc.assert(fc.asyncProperty(bodyRequest, check), {
      seed: SEED,
      numRuns: RUNS,
      endOnFailure: true,
    });
  }, 120_000);

  it('paths and queries: odd segments, encodings and filters on every read', async () => {
    await fc.assert(fc.asyncProperty(readRequest, check), {
      seed: SEED,
      numRuns: RUNS,
      endOnFailure: true,
    });
  }, 120_000);
});
