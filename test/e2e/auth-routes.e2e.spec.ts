import { randomBytes } from 'node:crypto';
import { registeredRoutes } from '../../src/app/http-app';
import {
  ACTIONS,
  RESOURCES,
  requiredScope,
  requiresMasterKey,
} from '../../src/modules/auth/domain/scope';
import { HttpResult, startTestApp, TestApp } from '../support/app';

const PUBLIC = (url: string) =>
  url === '/' ||
  url === '/health' ||
  url === '/health/ready' || // readiness probes come without a key, like /health
  url === '/metrics' || // its own bearer-token rule (reference §2.1), tested in metrics.e2e
  url === '/openapi.json' ||
  url.startsWith('/docs');

const EVERY_SCOPE = RESOURCES.flatMap((r) =>
  ACTIONS.filter((a) => a !== 'detokenize' || r === 'identities').map((a) => `${r}:${a}`),
);

/** The codes that mean "the auth layer refused this request". */
const AUTH_REFUSALS = [
  'AUTH_MISSING_API_KEY',
  'AUTH_INVALID_API_KEY',
  'AUTH_EXPIRED_API_KEY',
  'AUTH_INSUFFICIENT_PERMISSIONS',
  'AUTH_UNKNOWN_RESOURCE',
];

/**
 * Table-driven: every route the server registers (whatever modules exist when this runs) refuses
 * a missing, unknown, expired and revoked key, and a key holding every scope but the one it needs;
 * a key holding just that scope gets past authentication.
 */
describe('every route requires a usable key with the right scope', () => {
  let t: TestApp;
  const keys = new Map<string, string>();
  let expired: string;
  let revoked: string;

  const routes = () =>
    registeredRoutes(t.app)
      .filter((r) => !PUBLIC(r.url))
      .map((r) => ({
        ...r,
        path: r.url
          .replace(/^\/:[A-Za-z_]+\/metadata$/, '/ldg_x/metadata')
          .replace(/:([A-Za-z_]+)/g, 'x'),
      }));

  const call = (method: string, path: string, key?: string): Promise<HttpResult> => {
    const headers: Record<string, string> = key === undefined ? {} : { 'x-blnk-key': key };
    const body = method === 'POST' || method === 'PUT' ? {} : undefined;
    if (key === undefined) {
      return fetch(t.url + path, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body && '{}',
      }).then(async (res) => {
        const text = await res.text();
        return {
          status: res.status,
          text,
          headers: res.headers,
          json: text ? JSON.parse(text) : undefined,
        };
      });
    }
    return t.http(method, path, body, headers);
  };

  const mint = async (scopes: string[], owner = 'table') => {
    const r = await t.http('POST', '/api-keys', {
      name: scopes.length === 1 ? scopes[0] : `${scopes.length} scopes`,
      owner,
      scopes,
      expires_at: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(r.status).toBe(201);
    return r.json as { api_key_id: string; key: string };
  };

  beforeAll(async () => {
    t = await startTestApp();
    const e = await mint(['*:*']);
    await t.ds.query(
      `UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE api_key_id = $1`,
      [e.api_key_id],
    );
    expired = e.key;
    const r = await mint(['*:*']);
    expect((await t.http('DELETE', `/api-keys/${r.api_key_id}`)).status).toBe(204);
    revoked = r.key;
    const needed = new Set<string>();
    for (const r of routes()) {
      const s = requiredScope(r.method, r.url);
      if (s) needed.add(`${s.resource}:${s.action}`);
    }
    for (const scope of needed) {
      keys.set(`only ${scope}`, (await mint([scope])).key);
      keys.set(`all but ${scope}`, (await mint(EVERY_SCOPE.filter((s) => s !== scope))).key);
    }
  });
  afterAll(() => t.close());

  it('covers the whole API, and maps every route to a resource', () => {
    const all = routes();
    expect(all.length).toBeGreaterThan(25);
    for (const r of all)
      expect([r.method, r.url, requiredScope(r.method, r.url)]).not.toContainEqual(null);
  });

  it('refuses a missing, unknown, expired or revoked key on every route', async () => {
    const unknown = 'nrk_' + randomBytes(32).toString('base64url');
    const cases: [string, string | undefined, number, string][] = [
      ['missing', undefined, 401, 'AUTH_MISSING_API_KEY'],
      ['unknown', unknown, 401, 'AUTH_INVALID_API_KEY'],
      ['not a key at all', 'hello', 401, 'AUTH_INVALID_API_KEY'],
      ['expired', expired, 401, 'AUTH_EXPIRED_API_KEY'],
      ['revoked', revoked, 401, 'AUTH_EXPIRED_API_KEY'],
    ];
    const failures: string[] = [];
    for (const r of routes()) {
      for (const [name, key, status, code] of cases) {
        const res = await call(r.method, r.path, key);
        const got = r.method === 'HEAD' ? code : res.json?.error_detail?.code;
        if (res.status !== status || got !== code) {
          failures.push(`${r.method} ${r.url} with ${name} key: ${res.status} ${got}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses a key missing the one scope a route needs, and admits one holding it', async () => {
    const failures: string[] = [];
    for (const r of routes()) {
      const s = requiredScope(r.method, r.url)!;
      const scope = `${s.resource}:${s.action}`;
      if (requiresMasterKey(r.url)) {
        // No scope admits a key to these (reference §2.11): the master key alone may call them.
        for (const key of [`all but ${scope}`, `only ${scope}`]) {
          const res = await call(r.method, r.path, keys.get(key));
          const code =
            r.method === 'HEAD' ? 'AUTH_MASTER_KEY_REQUIRED' : res.json?.error_detail?.code;
          if (res.status !== 403 || code !== 'AUTH_MASTER_KEY_REQUIRED') {
            failures.push(`${r.method} ${r.url} with ${key}: ${res.status} ${code}`);
          }
        }
        continue;
      }
      const denied = await call(r.method, r.path, keys.get(`all but ${scope}`));
      const deniedCode =
        r.method === 'HEAD' ? 'AUTH_INSUFFICIENT_PERMISSIONS' : denied.json?.error_detail?.code;
      if (denied.status !== 403 || deniedCode !== 'AUTH_INSUFFICIENT_PERMISSIONS') {
        failures.push(`${r.method} ${r.url} without ${scope}: ${denied.status} ${deniedCode}`);
      }
      if (r.method !== 'HEAD' && denied.json?.error !== `Insufficient permissions for ${scope}`) {
        failures.push(`${r.method} ${r.url}: message ${denied.json?.error}`);
      }
      const admitted = await call(r.method, r.path, keys.get(`only ${scope}`));
      if (r.method === 'HEAD') {
        // No body to read a code from: a HEAD must answer as its GET does.
        const get = await call('GET', r.path, keys.get(`only ${scope}`));
        if (admitted.status !== get.status) {
          failures.push(`HEAD ${r.url} with only ${scope}: ${admitted.status}, GET ${get.status}`);
        }
        continue;
      }
      const code = admitted.json?.error_detail?.code;
      if (
        [401, 403].includes(admitted.status) &&
        (code === undefined || AUTH_REFUSALS.includes(code))
      ) {
        failures.push(`${r.method} ${r.url} with only ${scope}: ${admitted.status} ${code}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('reveals PII only with identities:detokenize, whatever else the key holds', async () => {
    const detokenizeRoutes = routes().filter((r) => r.url.includes('/detokenize'));
    expect(detokenizeRoutes.map((r) => `${r.method} ${r.url}`).sort()).toEqual([
      'GET /identities/:id/detokenize/:field',
      'HEAD /identities/:id/detokenize/:field',
      'POST /identities/:id/detokenize',
    ]);
    const reader = (await mint(['identities:read', 'identities:write', '*:read'])).key;
    for (const r of detokenizeRoutes) {
      const res = await call(r.method, r.path, reader);
      expect(res.status).toBe(403);
    }
    // Spellings the router folds onto the same route get the same answer.
    for (const path of [
      '/identities/x/%64etokenize/firstName',
      '//identities//x/detokenize/firstName/',
    ]) {
      const res = await call('GET', path, reader);
      expect([path, res.status, res.json?.error_detail?.code]).toEqual([
        path,
        403,
        'AUTH_INSUFFICIENT_PERMISSIONS',
      ]);
    }
  });
});
