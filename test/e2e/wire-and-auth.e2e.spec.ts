import { startTestApp, TestApp } from '../support/app';

/** Bad input never reaches a 500: every case gets a 4xx in Blnk's envelope and changes nothing. */
describe('wire hygiene and authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ bodyLimitMb: 1 });
  });
  afterAll(() => t.close());

  const raw = (path: string, body: string, headers: Record<string, string> = {}) =>
    t.http('POST', path, body, headers);

  const expectEnvelope = (r: { status: number; json: any }, status: number, code: string) => {
    expect(r.status).toBe(status);
    expect(r.json.error_detail.code).toBe(code);
    expect(typeof r.json.error_detail.message).toBe('string');
    expect(JSON.stringify(r.json)).not.toMatch(/at .*\.(ts|js):\d+/);
  };

  it.each([
    ['truncated JSON', '{"name": "x"'],
    ['not JSON', 'hello'],
    ['trailing garbage', '{"name":"x"} x'],
    ['prototype pollution', '{"name":"x","__proto__":{"admin":true}}'],
  ])('malformed body: %s', async (_n, body) => {
    expectEnvelope(await raw('/ledgers', body), 400, 'GEN_MALFORMED_REQUEST');
  });

  it('a body that is not an object', async () => {
    expectEnvelope(await raw('/ledgers', '[1,2]'), 400, 'GEN_MALFORMED_REQUEST');
    expectEnvelope(await raw('/ledgers', '"x"'), 400, 'GEN_MALFORMED_REQUEST');
    expectEnvelope(await raw('/ledgers', ''), 400, 'GEN_MALFORMED_REQUEST');
  });

  it('wrong types and unknown fields', async () => {
    const r = await t.http('POST', '/ledgers', { name: 5, nmae: 'typo' });
    expectEnvelope(r, 400, 'GEN_VALIDATION_ERROR');
    expect(r.json.errors).toBe('name: must be a string; nmae: unknown field.');
    const tx = await t.http('POST', '/transactions', {
      precise_amout: 100,
      precise_amount: 1.5,
      currency: 'USD',
      reference: 'r',
      description: 'd',
      source: 'a',
      destination: 'b',
      skip_queue: 'yes',
    });
    expectEnvelope(tx, 400, 'TXN_VALIDATION_ERROR');
    expect(tx.json.errors).toContain('precise_amout: unknown field');
    expect(tx.json.errors).toContain('precise_amount: must be an integer');
    expect(tx.json.errors).toContain('skip_queue: must be a boolean');
    expect((await t.http('GET', '/transactions')).json).toEqual([]);
  });

  it('huge numbers', async () => {
    const body = (amount: string) =>
      `{"amount":${amount},"currency":"USD","reference":"h","description":"d","source":"@World","destination":"@X","allow_overdraft":true,"skip_queue":true}`;
    expectEnvelope(await raw('/transactions', body('1e400')), 400, 'TXN_VALIDATION_ERROR');
    expectEnvelope(
      await raw('/transactions', body('123456789012345678901234567890')),
      400,
      'TXN_VALIDATION_ERROR',
    );
    expectEnvelope(
      await raw('/transactions', body('1.2345678901234567')),
      400,
      'TXN_VALIDATION_ERROR',
    );
    const digits = '9'.repeat(5000);
    expectEnvelope(
      await raw(
        '/transactions',
        `{"precise_amount":"${digits}","currency":"USD","reference":"h","description":"d","source":"@World","destination":"@X","skip_queue":true}`,
      ),
      400,
      'TXN_VALIDATION_ERROR',
    );
    expectEnvelope(await t.http('GET', '/ledgers?limit=1e999'), 400, 'GEN_VALIDATION_ERROR');
  });

  it('an oversized body is refused with 413', async () => {
    const big = JSON.stringify({ name: 'x', meta_data: { pad: 'a'.repeat(2 * 1024 * 1024) } });
    expectEnvelope(await raw('/ledgers', big), 413, 'GEN_PAYLOAD_TOO_LARGE');
  });

  it('an unknown route is a 404 envelope', async () => {
    expectEnvelope(await t.http('GET', '/nowhere'), 404, 'GEN_NOT_FOUND');
    expectEnvelope(await t.http('DELETE', '/ledgers'), 404, 'GEN_NOT_FOUND');
  });

  it('requires the key on every route but / and /health', async () => {
    for (const [method, path] of [
      ['GET', '/ledgers'],
      ['POST', '/ledgers'],
      ['GET', '/balances/bln_x'],
      ['POST', '/transactions'],
      ['GET', '/transactions/txn_x'],
      ['POST', '/ldg_x/metadata'],
    ]) {
      const missing = await fetch(t.url + path, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'POST' ? '{}' : undefined,
      });
      expect(missing.status).toBe(401);
      expect(((await missing.json()) as { error_detail: { code: string } }).error_detail.code).toBe(
        'AUTH_MISSING_API_KEY',
      );
      const wrong = await t.http(method, path, method === 'POST' ? {} : undefined, {
        'x-blnk-key': 'wrong',
      });
      expectEnvelope(wrong, 401, 'AUTH_INVALID_API_KEY');
    }
    expect((await fetch(t.url + '/health')).status).toBe(200);
    expect((await fetch(t.url + '/openapi.json')).status).toBe(200);
  });

  it('sends the security headers', async () => {
    const r = await fetch(t.url + '/health');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.headers.get('cache-control')).toBe('no-store');
  });
});

describe('auth turned off explicitly', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ secure: false });
  });
  afterAll(() => t.close());

  it('serves without a key', async () => {
    const r = await fetch(t.url + '/ledgers');
    expect(r.status).toBe(200);
  });
});
