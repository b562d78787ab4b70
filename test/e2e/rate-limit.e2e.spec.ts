import { randomBytes } from 'node:crypto';
import { RateLimitSettings } from '../../src/modules/auth/auth-settings';
import { deleteKeys, HttpResult, startTestApp, TestApp } from '../support/app';

const expectLimited = (r: HttpResult) => {
  expect(r.status).toBe(429);
  expect(r.json).toEqual({
    error: 'You have reached maximum request limit.',
    error_detail: {
      code: 'GEN_RATE_LIMITED',
      message: 'You have reached maximum request limit.',
      details: { retry_after_seconds: 1 },
    },
  });
  expect(r.headers.get('retry-after')).toBe('1');
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** rate_limit.* (reference §1.3, §10.2): one token bucket per key, or per address without one. */
describe('rate limiting in one process (in-memory buckets)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      rateLimit: new RateLimitSettings({ rate: 1, burst: 3 }),
    });
  });
  afterAll(() => t.close());

  it('gives each key its own bucket; over it, 429 with Retry-After', async () => {
    const created = await t.http('POST', '/api-keys', {
      name: 'limited',
      owner: 'o',
      scopes: ['ledgers:read'],
      expires_at: '2099-01-01T00:00:00Z',
    });
    expect(created.status).toBe(201);
    expect((await t.http('GET', '/ledgers')).status).toBe(200);
    expect((await t.http('GET', '/ledgers')).status).toBe(200);
    expectLimited(await t.http('GET', '/ledgers'));
    // Another key is not affected by the master key's exhausted bucket.
    const scoped = { 'x-blnk-key': created.json.key };
    for (let i = 0; i < 3; i++)
      expect((await t.http('GET', '/ledgers', undefined, scoped)).status).toBe(200);
    expectLimited(await t.http('GET', '/ledgers', undefined, scoped));
    // Refilled at the configured rate.
    await sleep(1100);
    expect((await t.http('GET', '/ledgers')).status).toBe(200);
    expectLimited(await t.http('GET', '/ledgers'));
  });

  it('counts requests without a usable key per address, failed attempts included', async () => {
    await sleep(3100); // the address bucket is full again
    expect((await fetch(t.url + '/health')).status).toBe(200);
    const wrong = await t.http('GET', '/ledgers', undefined, { 'x-blnk-key': 'guess-1' });
    expect(wrong.status).toBe(401);
    expect((await fetch(t.url + '/ledgers')).status).toBe(401);
    // The address is out of tokens: even a guess is not looked up any more.
    expectLimited(await t.http('GET', '/ledgers', undefined, { 'x-blnk-key': 'guess-2' }));
    const health = await fetch(t.url + '/health');
    expect(health.status).toBe(429);
    expect(health.headers.get('retry-after')).toBe('1');
  });
});

describe('no rate_limit configured', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('never limits (Blnk: effectively unlimited by default)', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 200 }, () => t.http('GET', '/ledgers').then((r) => r.status)),
    );
    expect(new Set(statuses)).toEqual(new Set([200]));
  });
});

const redis = process.env.BLNK_REDIS_DNS;
if (redis) {
  describe('rate limiting across two API processes sharing Redis', () => {
    const prefix = `neraca-rl-test-${randomBytes(4).toString('hex')}`;
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      const settings = new RateLimitSettings({ rate: 1, burst: 4 }, redis, prefix);
      a = await startTestApp({ rateLimit: settings });
      b = await startTestApp({ rateLimit: settings, shareDatabaseOf: a });
    });
    afterAll(async () => {
      await b.close();
      await a.close();
      await deleteKeys(redis, prefix);
    });

    it('takes from one bucket whichever process serves the request', async () => {
      const served: number[] = [];
      for (const t of [a, b, a, b]) served.push((await t.http('GET', '/ledgers')).status);
      expect(served).toEqual([200, 200, 200, 200]);
      expectLimited(await a.http('GET', '/ledgers'));
      expectLimited(await b.http('GET', '/ledgers'));
      await sleep(1100);
      expect((await b.http('GET', '/ledgers')).status).toBe(200);
      expectLimited(await a.http('GET', '/ledgers'));
    });
  });
}

describe('request hygiene (reference §1.3)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ bodyLimitMb: 1 });
  });
  afterAll(() => t.close());

  const HEADERS = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'cache-control': 'no-store',
  };

  it('sends the security headers on successes and errors alike; HSTS only over TLS', async () => {
    const responses = [
      await fetch(t.url + '/health'),
      await fetch(t.url + '/ledgers'),
      await fetch(t.url + '/nowhere'),
      await fetch(t.url + '/ledgers', { headers: { 'x-blnk-key': t.key } }),
    ];
    // An unknown route asks for a key first (as Blnk's middleware does): 401 without one.
    expect(responses.map((r) => r.status)).toEqual([200, 401, 401, 200]);
    for (const r of responses) {
      for (const [k, v] of Object.entries(HEADERS)) expect([k, r.headers.get(k)]).toEqual([k, v]);
      expect(r.headers.get('strict-transport-security')).toBeNull();
    }
    const tls = await fetch(t.url + '/health', { headers: { 'x-forwarded-proto': 'https' } });
    expect(tls.headers.get('strict-transport-security')).toBe(
      'max-age=31536000; includeSubDomains',
    );
  });

  it('lets the docs page load its own assets, and nothing else', async () => {
    const r = await fetch(t.url + '/docs');
    expect(r.status).toBe(200);
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(r.headers.get('x-frame-options')).toBe('DENY');
  });

  it('caps body size at server.max_request_body_size_mb', async () => {
    // Text values are at most 10,000 characters (docs/security.md, "Input limits"): the padding is
    // spread over many of them, the last one trimmed so that the body has exactly `bytes` bytes.
    const body = (bytes: number) => {
      const meta: Record<string, string> = {};
      const text = () => JSON.stringify({ name: 'big', meta_data: meta });
      for (let i = 0; text().length < bytes; i++) meta[`p${i}`] = 'a'.repeat(10_000);
      const last = `p${Object.keys(meta).length - 1}`;
      meta[last] = meta[last].slice(0, meta[last].length - (text().length - bytes));
      return text();
    };
    const under = await t.http('POST', '/ledgers', body(1024 * 1024 - 100));
    expect(under.status).toBe(201);
    const over = await t.http('POST', '/ledgers', body(1024 * 1024 + 1));
    expect(over.status).toBe(413);
    expect(over.json.error_detail.code).toBe('GEN_PAYLOAD_TOO_LARGE');
  });

  it('refuses a body that is not JSON, in the envelope', async () => {
    const r = await t.http('POST', '/ledgers', '<ledger/>', { 'content-type': 'application/xml' });
    expect(r.status).toBe(415);
    expect(r.json.error_detail).toEqual({
      code: 'GEN_UNSUPPORTED_MEDIA_TYPE',
      message: 'a request body must be sent as Content-Type: application/json',
    });
  });
});
