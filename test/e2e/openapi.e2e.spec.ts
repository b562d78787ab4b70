import { registeredRoutes } from '../../src/app/http-app';
import { startTestApp, TestApp } from '../support/app';

describe('OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('documents every registered route with its operations', async () => {
    const doc = (await (await fetch(t.url + '/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    // Every route Fastify serves, minus the docs page and the document themselves.
    const registered = new Set<string>();
    for (const r of registeredRoutes(t.app)) {
      if (r.url.startsWith('/docs') || r.url === '/openapi.json' || r.method === 'HEAD') continue;
      registered.add(`${r.method} ${r.url.replace(/:([A-Za-z_]+)/g, '{$1}')}`);
    }
    expect(registered.size).toBeGreaterThan(15);
    for (const r of registered) expect(documented).toContain(r);
    expect(doc.components.schemas).toHaveProperty('RecordTransactionDto');
    expect(doc.components.schemas).toHaveProperty('BalanceView');
  });

  it('marks exactly the routes that need no key with security: [] (checked by asking without one)', async () => {
    const doc = (await (await fetch(t.url + '/openapi.json')).json()) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const mismatched: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const url = path.replace(/\{[^}]+\}/g, 'x');
        const r = await fetch(t.url + url, {
          method: method.toUpperCase(),
          headers: { 'content-type': 'application/json' },
          body: method === 'get' || method === 'delete' ? undefined : '{}',
        });
        await r.arrayBuffer();
        const declaredPublic = Array.isArray(op.security) && op.security.length === 0;
        if (declaredPublic !== (r.status !== 401)) {
          mismatched.push(
            `${method.toUpperCase()} ${path}: security ${JSON.stringify(op.security)}, keyless ${r.status}`,
          );
        }
      }
    }
    expect(mismatched).toEqual([]);
  });

  it('serves a docs page', async () => {
    const r = await fetch(t.url + '/docs');
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('swagger');
  });
});
