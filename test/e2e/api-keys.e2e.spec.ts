import { BlnkInit } from '@blnkfinance/blnk-typescript';
import { startTestApp, TestApp } from '../support/app';
import { waitFor } from '../support/wait';

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

interface Created {
  api_key_id: string;
  key: string;
  owner_id: string;
  scopes: string[];
}

/** POST /api-keys, GET /api-keys, DELETE /api-keys/:id (reference §2.12) over real HTTP. */
describe('API keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const create = async (body: Record<string, unknown>, key = t.key) => {
    const r = await t.http('POST', '/api-keys', body, { 'x-blnk-key': key });
    return r;
  };
  const newKey = async (owner: string, scopes: string[], days = 30, by = t.key) => {
    const r = await create({ name: `k-${owner}`, owner, scopes, expires_at: inDays(days) }, by);
    expect(r.status).toBe(201);
    return r.json as Created;
  };
  /** `key` asks for a new key of `owner` with `scopes`, expiring in `days`. */
  const createWith = (key: string, owner: string, scopes: string[], days = 1) =>
    create({ name: 'x', owner, scopes, expires_at: inDays(days) }, key);
  const as = (key: string) => (method: string, path: string, body?: unknown) =>
    t.http(method, path, body, { 'x-blnk-key': key });
  const expectCode = (r: { status: number; json: any }, status: number, code: string) => {
    expect({ status: r.status, code: r.json?.error_detail?.code }).toEqual({ status, code });
  };

  it('creates a key shown once, with a recognisable 256-bit secret', async () => {
    const r = await create({
      name: 'payments',
      owner: 'team-a',
      scopes: ['ledgers:read', 'transactions:*'],
      expires_at: '2099-01-01T00:00:00Z',
    });
    expect(r.status).toBe(201);
    expect(r.json).toEqual({
      api_key_id: expect.stringMatching(/^api_key_[0-9a-f-]{36}$/),
      key: expect.stringMatching(/^nrk_[A-Za-z0-9_-]{43}$/),
      name: 'payments',
      owner_id: 'team-a',
      scopes: ['ledgers:read', 'transactions:*'],
      expires_at: '2099-01-01T00:00:00.000Z',
      created_at: expect.any(String),
      last_used_at: '0001-01-01T00:00:00Z',
      is_revoked: false,
      created_by: 'master',
    });
    expect(Buffer.from(r.json.key.slice(4), 'base64url')).toHaveLength(32);
    // Only a digest is stored: the secret appears nowhere in the database row.
    const [row] = await t.ds.query(`SELECT * FROM api_keys WHERE api_key_id = $1`, [
      r.json.api_key_id,
    ]);
    expect(JSON.stringify(row)).not.toContain(r.json.key.slice(16));
    expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);

    const list = await t.http('GET', '/api-keys?owner=team-a');
    expect(list.status).toBe(200);
    expect(list.json).toHaveLength(1);
    expect(list.json[0].key).toBe(r.json.key.slice(0, 16) + '…');
    expect(list.text).not.toContain(r.json.key);
  });

  it('refuses bad requests with a clear code', async () => {
    const ok = { name: 'n', owner: 'o', scopes: ['ledgers:read'], expires_at: inDays(1) };
    expectCode(await create({ ...ok, owner: '' }), 400, 'APIKEY_OWNER_REQUIRED');
    expectCode(await create({ ...ok, owner: undefined }), 400, 'APIKEY_OWNER_REQUIRED');
    expectCode(await create({ ...ok, scopes: ['ledgers:fly'] }), 400, 'APIKEY_INVALID');
    expectCode(await create({ ...ok, scopes: [] }), 400, 'APIKEY_INVALID');
    expectCode(await create({ ...ok, expires_at: '2001-01-01T00:00:00Z' }), 400, 'APIKEY_INVALID');
    const bad = await create({ ...ok, expires_at: 'tomorrow', scope: ['x'] });
    expectCode(bad, 400, 'GEN_VALIDATION_ERROR');
    expect(bad.json.errors).toBe(
      'expires_at: must be an RFC 3339 date-time such as 2026-03-11T00:00:00Z; scope: unknown field.',
    );
    expectCode(await create({ ...ok, scopes: 'ledgers:read' }), 400, 'GEN_VALIDATION_ERROR');
    expectCode(await t.http('POST', '/api-keys', '[1]'), 400, 'GEN_MALFORMED_REQUEST');
    expectCode(await t.http('GET', '/api-keys'), 400, 'APIKEY_OWNER_REQUIRED');
    expectCode(await t.http('DELETE', '/api-keys/api_key_nope'), 404, 'APIKEY_NOT_FOUND');
  });

  it('a scoped key works only within its scopes, and its POSTs carry BLNK_GENERATED_BY', async () => {
    const k = await newKey('team-b', ['ledgers:read', 'ledgers:write']);
    const call = as(k.key);
    const made = await call('POST', '/ledgers', { name: 'by key', meta_data: { a: 1 } });
    expect(made.status).toBe(201);
    expect(made.json.meta_data).toEqual({ a: 1, BLNK_GENERATED_BY: k.api_key_id });
    const bare = await call('POST', '/ledgers', { name: 'no meta' });
    expect(bare.json.meta_data).toEqual({ BLNK_GENERATED_BY: k.api_key_id });
    // A client cannot forge it: it is an engine key, refused by name.
    const forged = await call('POST', '/ledgers', {
      name: 'forged',
      meta_data: { BLNK_GENERATED_BY: 'api_key_someone_else' },
    });
    expect(forged.status).toBe(400);
    expect(forged.json.error_detail.code).toBe('GEN_VALIDATION_ERROR');
    expect(forged.json.error).toContain('BLNK_GENERATED_BY');
    // Filter bodies are not touched (they refuse unknown fields).
    expect((await call('POST', '/ledgers/filter', { filters: [] })).status).toBe(200);
    expect((await call('GET', `/ledgers/${made.json.ledger_id}`)).status).toBe(200);
    const denied = await call('GET', '/balances');
    expectCode(denied, 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    expect(denied.json.error).toBe('Insufficient permissions for balances:read');
    // The master key's requests are not stamped.
    const master = await t.http('POST', '/ledgers', { name: 'master' });
    expect(master.json.meta_data).toBeNull();
    // last_used_at is written in the background.
    const used = await waitFor(async () => {
      const [row] = (await t.http('GET', '/api-keys?owner=team-b')).json;
      return row.last_used_at === '0001-01-01T00:00:00Z' ? undefined : row.last_used_at;
    }, 5000);
    expect(Date.parse(used)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('reaches the metadata route Blnk leaves unreachable to scoped keys', async () => {
    const ledger = (await t.http('POST', '/ledgers', { name: 'meta' })).json;
    // metadata:write alone writes no entity: the entity's own read and write scopes are needed
    // too (the answer shows its metadata), checked before the entity is looked up.
    const metaOnly = await newKey('team-m', ['metadata:write']);
    for (const id of [ledger.ledger_id, 'ldg_missing']) {
      const refused = await as(metaOnly.key)('POST', `/${id}/metadata`, { meta_data: {} });
      expectCode(refused, 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
      expect(refused.json.error).toContain('ledgers:read');
    }
    const writer = await newKey('team-m', ['metadata:write', 'ledgers:read', 'ledgers:write']);
    const r = await as(writer.key)('POST', `/${ledger.ledger_id}/metadata`, {
      meta_data: { tier: 'gold' },
    });
    expect(r.status).toBe(200);
    expect(r.json.meta_data).toEqual({ tier: 'gold' });
    // Nor may a key reach another resource through it: ledger scopes write no identity.
    const identity = (await t.http('POST', '/identities', { first_name: 'Ada' })).json;
    const byLedgerKey = await as(writer.key)('POST', `/${identity.identity_id}/metadata`, {
      meta_data: { x: 1 },
    });
    expectCode(byLedgerKey, 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    expect((await t.http('GET', `/identities/${identity.identity_id}`)).json.meta_data).toBeNull();
    const reader = await newKey('team-m', ['ledgers:*']);
    expectCode(
      await as(reader.key)('POST', `/${ledger.ledger_id}/metadata`, { meta_data: {} }),
      403,
      'AUTH_INSUFFICIENT_PERMISSIONS',
    );
  });

  describe('escalation and cross-owner access (Blnk PR #298)', () => {
    it('a key cannot create a key with scopes it does not hold, or that outlives it', async () => {
      const parent = await newKey('team-c', ['ledgers:read', 'api-keys:*'], 10);
      for (const scopes of [['ledgers:write'], ['*:read'], ['ledgers:*'], ['*:*']]) {
        const r = await createWith(parent.key, 'team-c', scopes);
        expectCode(r, 403, 'AUTH_SCOPE_ESCALATION');
      }
      expectCode(
        await createWith(parent.key, 'team-c', ['ledgers:read'], 11),
        403,
        'AUTH_SCOPE_ESCALATION',
      );
      const child = await newKey('team-c', ['ledgers:read'], 5, parent.key);
      expect(child.scopes).toEqual(['ledgers:read']);
      const [row] = await t.ds.query(`SELECT created_by FROM api_keys WHERE api_key_id = $1`, [
        child.api_key_id,
      ]);
      expect(row.created_by).toBe(parent.api_key_id);
    });

    it('a key cannot create for, list or revoke another owner', async () => {
      const mine = await newKey('team-d', ['*:*']);
      const theirs = await newKey('team-e', ['ledgers:read']);
      const call = as(mine.key);
      expectCode(
        await createWith(mine.key, 'team-e', ['ledgers:read']),
        403,
        'AUTH_CROSS_OWNER_ACCESS',
      );
      expectCode(await call('GET', '/api-keys?owner=team-e'), 403, 'AUTH_CROSS_OWNER_ACCESS');
      expectCode(
        await call('DELETE', `/api-keys/${theirs.api_key_id}`),
        403,
        'AUTH_CROSS_OWNER_ACCESS',
      );
      expectCode(
        await call('DELETE', `/api-keys/${theirs.api_key_id}?owner=team-e`),
        403,
        'AUTH_CROSS_OWNER_ACCESS',
      );
      expect((await as(theirs.key)('GET', '/ledgers')).status).toBe(200);
      // Its own owner's keys, without naming the owner.
      const own = await call('GET', '/api-keys');
      expect(own.json.map((k: Created) => k.api_key_id)).toEqual([mine.api_key_id]);
    });

    it('a key needs the api-keys scopes to manage keys at all', async () => {
      const k = await newKey('team-f', ['ledgers:*']);
      expectCode(await as(k.key)('GET', '/api-keys'), 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
      expectCode(
        await createWith(k.key, 'team-f', ['ledgers:read']),
        403,
        'AUTH_INSUFFICIENT_PERMISSIONS',
      );
    });
  });

  it('revokes: 204, the key stops working, the master key can revoke any owner', async () => {
    const self = await newKey('team-g', ['api-keys:delete', 'ledgers:read']);
    const other = await newKey('team-g', ['ledgers:read']);
    const r = await as(self.key)('DELETE', `/api-keys/${other.api_key_id}`);
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expectCode(await as(other.key)('GET', '/ledgers'), 401, 'AUTH_EXPIRED_API_KEY');
    const listed = await t.http('GET', '/api-keys?owner=team-g');
    const revoked = listed.json.find((k: Created) => k.api_key_id === other.api_key_id);
    expect(revoked).toMatchObject({ is_revoked: true, revoked_at: expect.any(String) });
    // Revoking again is harmless; the revocation time stays the first one.
    expect((await t.http('DELETE', `/api-keys/${other.api_key_id}`)).status).toBe(204);
    const again = (await t.http('GET', '/api-keys?owner=team-g')).json.find(
      (k: Created) => k.api_key_id === other.api_key_id,
    );
    expect(again.revoked_at).toBe(revoked.revoked_at);
    expectCode(
      await t.http('DELETE', `/api-keys/${self.api_key_id}?owner=team-x`),
      404,
      'APIKEY_NOT_FOUND',
    );
    expect((await t.http('DELETE', `/api-keys/${self.api_key_id}?owner=team-g`)).status).toBe(204);
  });

  it('the official SDK creates, lists and revokes keys', async () => {
    const blnk = BlnkInit(t.key, { baseUrl: t.url });
    const created = await blnk.ApiKeys.create({
      name: 'sdk key',
      owner: 'sdk-owner',
      scopes: ['ledgers:read'],
      expires_at: '2099-06-01T00:00:00Z',
    });
    expect(created.status).toBe(201);
    const id = created.data!.api_key_id;
    const scoped = BlnkInit(created.data!.key, { baseUrl: t.url });
    expect((await scoped.Ledgers.get('general_ledger_id')).status).toBe(200);
    const denied = await scoped.Ledgers.create({ name: 'nope' });
    expect(denied.status).toBe(403);
    expect(denied.error?.code).toBe('AUTH_INSUFFICIENT_PERMISSIONS');
    const list = await blnk.ApiKeys.list({ owner: 'sdk-owner' });
    expect(list.status).toBe(200);
    expect(list.data?.map((k) => k.api_key_id)).toEqual([id]);
    const del = await blnk.ApiKeys.delete(id, { owner: 'sdk-owner' });
    expect(del.status).toBe(204);
    expect(del.data).toBeNull();
    const after = await scoped.Ledgers.get('general_ledger_id');
    expect(after.status).toBe(401);
    expect(after.error?.code).toBe('AUTH_EXPIRED_API_KEY');
  });
});

describe('API keys with authentication turned off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ secure: false });
  });
  afterAll(() => t.close());

  it('has no principal to manage keys for', async () => {
    const r = await t.http('GET', '/api-keys?owner=o');
    expect(r.status).toBe(401);
    expect(r.json.error_detail.code).toBe('AUTH_MISSING_PRINCIPAL');
  });
});

describe('revocation across two API processes sharing one database', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({ shareDatabaseOf: a });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('a key revoked on one process stops working on the other within a second', async () => {
    const created = await a.http('POST', '/api-keys', {
      name: 'shared',
      owner: 'o',
      scopes: ['ledgers:read'],
      expires_at: inDays(1),
    });
    const key = created.json.key as string;
    const onB = () => b.http('GET', '/ledgers', undefined, { 'x-blnk-key': key });
    expect((await onB()).status).toBe(200); // now cached on b
    expect((await a.http('DELETE', `/api-keys/${created.json.api_key_id}`)).status).toBe(204);
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 3000) {
      status = (await onB()).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
  });
});
