import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { RateLimitSettings } from '../../src/modules/auth/auth-settings';
import { createScopedKey, deleteKeys, HttpResult, startTestApp, TestApp } from '../support/app';

/**
 * The edge (issue 11): what happens before a route runs. Authentication, the rate limit and the
 * scope check come before the body is read; every refusal, including Node's and Fastify's own, is
 * Blnk's envelope with the security headers.
 */

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from the first byte sent to the whole response read. */
  ms: number;
}

/** Writes `head` (and optionally `body`) on a fresh TCP connection; reads one response. */
function rawRequest(url: string, head: string, body = ''): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no response within 3 s: ${JSON.stringify(data)}`));
    }, 3000);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const split = data.indexOf('\r\n\r\n');
      const lines = data.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({
        status: Number(lines[0].split(' ')[1]),
        headers,
        body: data.slice(split + 4),
        ms: Date.now() - started,
      });
    };
    socket.on('data', (b) => {
      data += b.toString('latin1');
      const split = data.indexOf('\r\n\r\n');
      if (split < 0) return;
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(data.slice(0, split));
      if (m && data.length - split - 4 >= Number(m[1])) finish();
    });
    socket.on('end', () => (data ? finish() : undefined));
    socket.on('error', (e) => {
      clearTimeout(timer);
      if (data) finish();
      else reject(e);
    });
    socket.write(head);
    if (body) socket.write(body);
  });
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

function expectEdgeEnvelope(r: RawResponse, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/json/);
  expect(r.headers).toMatchObject(SECURITY_HEADERS);
  const json = JSON.parse(r.body);
  expect(json.error_detail.code).toBe(code);
  expect(typeof json.error_detail.message).toBe('string');
  expect(typeof json.error).toBe('string');
  expect(r.body).not.toMatch(/fastify|FST_|Client Error|node_modules/i);
}

function expectEnvelope(r: HttpResult, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.json?.error_detail?.code).toBe(code);
  expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  expect(r.headers.get('cache-control')).toBe('no-store');
  expect(r.text).not.toMatch(/fastify|FST_|Client Error/i);
}

describe('authentication before the body (finding 1)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ bodyLimitMb: 1 });
  });
  afterAll(() => t.close());

  const keyless = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(t.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));

  it('a keyless request with malformed or oversized JSON gets 401, not 400 or 413', async () => {
    const bad = await keyless('/ledgers', '{"name": ');
    expect(bad.status).toBe(401);
    expect(bad.json.error_detail.code).toBe('AUTH_MISSING_API_KEY');
    const huge = await keyless('/ledgers', JSON.stringify({ pad: 'a'.repeat(2 * 1024 * 1024) }));
    expect(huge.status).toBe(401);
    const wrong = await keyless('/transactions/bulk', '[[[[', { 'x-blnk-key': 'nrk_guess' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error_detail.code).toBe('AUTH_INVALID_API_KEY');
  });

  it('answers a keyless request before its body has arrived: the body is never read', async () => {
    // Announces almost 1 MB (under the limit) and sends 10 bytes: a server that reads (and
    // parses) bodies before it authenticates would wait for the rest and never answer.
    const r = await rawRequest(
      t.url,
      'POST /ledgers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 1000000\r\n\r\n',
      '{"name": "',
    );
    expectEdgeEnvelope(r, 401, 'AUTH_MISSING_API_KEY');
  });

  it('checks the scope before the body too', async () => {
    const reader = await createScopedKey(t, ['ledgers:read'], 'edge');
    const r = await t.http('POST', '/ledgers', '{"name": ', { 'x-blnk-key': reader.key });
    expectEnvelope(r, 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    // With the key it needs, the same body is parsed (and refused as malformed).
    expectEnvelope(await t.http('POST', '/ledgers', '{"name": '), 400, 'GEN_MALFORMED_REQUEST');
  });

  it('public routes stay public', async () => {
    // The docs page's own assets too: they are added by a plugin that loads at ready().
    for (const path of [
      '/',
      '/health',
      '/openapi.json',
      '/docs',
      '/docs/swagger-ui.css',
      '/docs/swagger-ui-bundle.js',
    ]) {
      const r = await fetch(t.url + path);
      expect([path, r.status]).toEqual([path, 200]);
    }
    expect((await fetch(t.url + '/ledgers')).status).toBe(401);
  });

  it('a keyless request to an unknown route is refused like any other (no body read)', async () => {
    const r = await rawRequest(
      t.url,
      'POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 1000000\r\n\r\n',
      '{',
    );
    expectEdgeEnvelope(r, 401, 'AUTH_MISSING_API_KEY');
    expectEnvelope(await t.http('GET', '/nowhere'), 404, 'GEN_NOT_FOUND');
  });
});

// In Redis when the run has one (the Lua script's peek), else in memory.
const redis = process.env.BLNK_REDIS_DNS;
describe(`failed-key throttling (finding 6), buckets ${redis ? 'in Redis' : 'in memory'}`, () => {
  let t: TestApp;
  const prefix = `neraca-edge-${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    t = await startTestApp({
      rateLimit: new RateLimitSettings({ rate: 1, burst: 3 }, redis ?? '', prefix),
    });
  });
  afterAll(async () => {
    await t.close();
    if (redis) await deleteKeys(redis, prefix);
  });

  it('while an address is throttled for failed keys, no key is checked, not even the right one', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await t.http('GET', '/ledgers', undefined, { 'x-blnk-key': `guess-${i}` });
      expect(r.status).toBe(401);
    }
    const guess = await t.http('GET', '/ledgers', undefined, { 'x-blnk-key': 'guess-3' });
    expectEnvelope(guess, 429, 'GEN_RATE_LIMITED');
    const right = await t.http('GET', '/ledgers');
    expectEnvelope(right, 429, 'GEN_RATE_LIMITED');
    expect(right.headers.get('retry-after')).toBe('1');
    await new Promise((r) => setTimeout(r, 1100));
    expect((await t.http('GET', '/ledgers')).status).toBe(200);
  });

  it('keyless traffic from an address does not lock out its keyed requests', async () => {
    await new Promise((r) => setTimeout(r, 3100));
    for (let i = 0; i < 4; i++) await fetch(t.url + '/health');
    expect((await fetch(t.url + '/health')).status).toBe(429);
    expect((await t.http('GET', '/ledgers')).status).toBe(200);
  });
});

describe('errors outside the envelope (finding 8)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('a bad URL encoding, an over-long path parameter: the envelope with the headers', async () => {
    expectEnvelope(await t.http('GET', '/ledgers/%ff'), 400, 'GEN_BAD_REQUEST');
    expectEnvelope(await t.http('GET', '/ledgers/%zz'), 400, 'GEN_BAD_REQUEST');
    expectEnvelope(await t.http('GET', `/ledgers/${'x'.repeat(7000)}`), 400, 'GEN_BAD_REQUEST');
    // Keyless: the router refuses these before authentication, in the same envelope.
    const r = await fetch(`${t.url}/ledgers/${'x'.repeat(7000)}`);
    expect(r.status).toBe(400);
    expect(r.headers.get('x-frame-options')).toBe('DENY');
  });

  it('headers too large: 431 in the envelope', async () => {
    const r = await rawRequest(
      t.url,
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20000)}\r\n\r\n`,
    );
    expectEdgeEnvelope(r, 431, 'GEN_HEADERS_TOO_LARGE');
  });

  it('a lowercase or unknown method, a broken request line: 400 in the envelope', async () => {
    for (const head of [
      'get /health HTTP/1.1\r\nHost: x\r\n\r\n',
      'FROB /health HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /health HTTP/9\r\n\r\n',
    ]) {
      expectEdgeEnvelope(await rawRequest(t.url, head), 400, 'GEN_BAD_REQUEST');
    }
  });
});

describe('CSRF with authentication off (finding 9)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ secure: false, allowedOrigins: ['https://console.example'] });
  });
  afterAll(() => t.close());

  const ledgerCount = async () => (await t.http('GET', '/ledgers')).json.length as number;

  it('a body that is not application/json is 415 and creates nothing', async () => {
    const before = await ledgerCount();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']) {
      const r = await t.http('POST', '/ledgers', '{"name":"csrf"}', { 'content-type': type });
      expectEnvelope(r, 415, 'GEN_UNSUPPORTED_MEDIA_TYPE');
    }
    const none = await rawRequest(
      t.url,
      'POST /ledgers HTTP/1.1\r\nHost: x\r\nContent-Length: 15\r\n\r\n',
      '{"name":"csrf"}',
    );
    expectEdgeEnvelope(none, 415, 'GEN_UNSUPPORTED_MEDIA_TYPE');
    expect(await ledgerCount()).toBe(before);
    const ok = await t.http('POST', '/ledgers', '{"name":"json"}', {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(ok.status).toBe(201);
  });

  it('a write from a browser on another origin is refused; an allowed origin is not', async () => {
    const before = await ledgerCount();
    for (const origin of ['https://evil.example', 'null', 'https://console.example.evil']) {
      const r = await t.http('POST', '/ledgers', { name: 'csrf' }, { origin });
      expectEnvelope(r, 403, 'GEN_ORIGIN_NOT_ALLOWED');
      const del = await t.http('DELETE', '/hooks/hk_x', undefined, { origin });
      expectEnvelope(del, 403, 'GEN_ORIGIN_NOT_ALLOWED');
    }
    expect(await ledgerCount()).toBe(before);
    const allowed = await t.http(
      'POST',
      '/ledgers',
      { name: 'from the console' },
      { origin: 'https://console.example' },
    );
    expect(allowed.status).toBe(201);
    // Reads are not state-changing; a browser cannot read the answer without CORS anyway.
    const read = await t.http('GET', '/ledgers', undefined, { origin: 'https://evil.example' });
    expect(read.status).toBe(200);
    // The API's own origin (the docs page) is always allowed.
    const own = await t.http('POST', '/ledgers', { name: 'from /docs' }, { origin: t.url });
    expect(own.status).toBe(201);
  });
});

describe('BLNK_GENERATED_BY on every row a scoped key writes (finding 4)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const newKey = (scopes: string[]) => createScopedKey(t, scopes, 'stamps');
  const as =
    (key: string) =>
    (method: string, path: string, body?: unknown): Promise<HttpResult> =>
      t.http(method, path, body, { 'x-blnk-key': key });
  const item = (reference: string, meta_data?: unknown) => ({
    source: '@World',
    destination: '@Stamped',
    precise_amount: 10,
    currency: 'USD',
    reference,
    description: 'bulk',
    allow_overdraft: true,
    meta_data,
  });

  it('stamps each item of a bulk, and refuses an item that sends its own', async () => {
    const k = await newKey(['transactions:write', 'transactions:read']);
    const r = await as(k.key)('POST', '/transactions/bulk', {
      skip_queue: true,
      transactions: [item('stamp-1', { a: 1 }), item('stamp-2')],
    });
    expect(r.status).toBe(201);
    for (const [ref, meta] of [
      ['stamp-1', { a: 1, BLNK_GENERATED_BY: k.id }],
      ['stamp-2', { BLNK_GENERATED_BY: k.id }],
    ] as const) {
      const got = await t.http('GET', `/transactions/reference/${ref}`);
      expect(got.status).toBe(200);
      expect(got.json.meta_data).toMatchObject(meta);
    }
    const forged = await as(k.key)('POST', '/transactions/bulk', {
      skip_queue: true,
      transactions: [item('forged-1'), item('forged-2', { BLNK_GENERATED_BY: 'master' })],
    });
    expectEnvelope(forged, 400, 'GEN_VALIDATION_ERROR');
    expect(forged.json.error).toContain('transactions[1].meta_data');
    expect((await t.http('GET', '/transactions/reference/forged-1')).status).toBe(404);
  });

  it("an update keeps the creator's stamp: PUT /identities/:id and POST /{id}/metadata", async () => {
    const creator = await newKey(['identities:write', 'identities:read']);
    const other = await newKey(['identities:write', 'identities:read', 'metadata:write']);
    const made = await as(creator.key)('POST', '/identities', {
      first_name: 'Ada',
      meta_data: { tier: 'silver' },
    });
    expect(made.status).toBe(201);
    const id = made.json.identity_id as string;
    const stampOf = async () =>
      (await t.http('GET', `/identities/${id}`)).json.meta_data as Record<string, unknown>;
    expect(await stampOf()).toMatchObject({ tier: 'silver', BLNK_GENERATED_BY: creator.id });

    for (const put of [t.http.bind(null), as(other.key)]) {
      const r = await put('PUT', `/identities/${id}`, { meta_data: { tier: 'gold' } });
      expect(r.status).toBe(200);
      expect(await stampOf()).toEqual({ tier: 'gold', BLNK_GENERATED_BY: creator.id });
    }
    const merged = await as(other.key)('POST', `/${id}/metadata`, { meta_data: { x: 1 } });
    expect(merged.status).toBe(200);
    expect(await stampOf()).toMatchObject({ x: 1, BLNK_GENERATED_BY: creator.id });

    // A client's own value is refused on every route, whoever sends it.
    const forge = { meta_data: { BLNK_GENERATED_BY: 'someone' } };
    for (const [method, path, key] of [
      ['PUT', `/identities/${id}`, other.key],
      ['PUT', `/identities/${id}`, t.key],
      ['POST', `/${id}/metadata`, other.key],
      ['POST', '/identities', creator.key],
    ]) {
      expectEnvelope(await as(key)(method, path, forge), 400, 'GEN_VALIDATION_ERROR');
    }
    expect((await stampOf()).BLNK_GENERATED_BY).toBe(creator.id);
  });
});
