import { startTestApp, TestApp } from '../support/app';

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

interface Key {
  api_key_id: string;
  key: string;
}

/**
 * Issue 11, findings 2 and 5: what a key may see through another resource, and whether keys
 * minted by a leaked key can be taken back with it.
 */
describe('security: the authority of a key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const as = (key: string) => (method: string, path: string, body?: unknown) =>
    t.http(method, path, body, { 'x-blnk-key': key });
  /** A key of `owner`; one made by another key expires sooner, since it may not outlive it. */
  const keyWith = async (
    owner: string,
    scopes: string[],
    by = t.key,
    days = by === t.key ? 10 : 1,
  ): Promise<Key> => {
    const r = await as(by)('POST', '/api-keys', {
      name: `k-${owner}`,
      owner,
      scopes,
      expires_at: inDays(days),
    });
    expect(r.status).toBe(201);
    return r.json as Key;
  };
  const expectCode = (r: { status: number; json: any }, status: number, code: string) => {
    expect({ status: r.status, code: r.json?.error_detail?.code }).toEqual({ status, code });
  };
  const identity = async (body: Record<string, unknown>): Promise<string> => {
    const r = await t.http('POST', '/identities', body);
    expect(r.status).toBe(201);
    return r.json.identity_id as string;
  };

  describe('finding 2: an embedded resource needs its own scope', () => {
    let balanceId: string;
    let identityId: string;
    beforeAll(async () => {
      identityId = await identity({ first_name: 'Hedy', last_name: 'Lamarr', phone_number: '+1' });
      const ledger = await t.http('POST', '/ledgers', { name: 'embeds' });
      const b = await t.http('POST', '/balances', {
        ledger_id: ledger.json.ledger_id,
        currency: 'USD',
        identity_id: identityId,
      });
      expect(b.status).toBe(201);
      balanceId = b.json.balance_id;
    });

    it('balances:read alone cannot embed the identity: 403 in the envelope, nothing of it sent', async () => {
      const k = await keyWith('embed-a', ['balances:read']);
      const r = await as(k.key)('GET', `/balances/${balanceId}?include=identity`);
      expectCode(r, 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
      expect(r.json.error).toBe('Insufficient permissions for identities:read');
      expect(r.text).not.toContain('Lamarr');
      // Repeated and mixed includes are refused the same way; without include it still works.
      const mixed = await as(k.key)(
        'GET',
        `/balances/${balanceId}?include=ledger&include=identity`,
      );
      expect(mixed.status).toBe(403);
      const plain = await as(k.key)('GET', `/balances/${balanceId}`);
      expect(plain.status).toBe(200);
      expect(plain.json.identity).toBeUndefined();
    });

    it('the ledger embed needs ledgers:read in the same way', async () => {
      const k = await keyWith('embed-b', ['balances:read']);
      const r = await as(k.key)('GET', `/balances/${balanceId}?include=ledger`);
      expectCode(r, 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
      expect(r.json.error).toBe('Insufficient permissions for ledgers:read');
    });

    it('a key holding both scopes, *:read or the master key gets the embeds', async () => {
      const both = await keyWith('embed-c', ['balances:read', 'identities:read', 'ledgers:read']);
      const wild = await keyWith('embed-d', ['*:read']);
      for (const key of [both.key, wild.key, t.key]) {
        const r = await as(key)('GET', `/balances/${balanceId}?include=identity&include=ledger`);
        expect(r.status).toBe(200);
        expect(r.json.identity.last_name).toBe('Lamarr');
        expect(r.json.ledger.name).toBe('embeds');
      }
    });

    it('unknown include values are ignored as in Blnk, whatever the scopes', async () => {
      const k = await keyWith('embed-e', ['balances:read']);
      const r = await as(k.key)('GET', `/balances/${balanceId}?include=nothing`);
      expect(r.status).toBe(200);
    });

    it('the refusal does not depend on whether the balance has an identity', async () => {
      const k = await keyWith('embed-f', ['balances:read']);
      const ledger = await t.http('POST', '/ledgers', { name: 'no-identity' });
      const b = await t.http('POST', '/balances', {
        ledger_id: ledger.json.ledger_id,
        currency: 'USD',
      });
      const r = await as(k.key)('GET', `/balances/${b.json.balance_id}?include=identity`);
      expectCode(r, 403, 'AUTH_INSUFFICIENT_PERMISSIONS');
    });

    it('lists show identity_id (a field of the balance, not PII) and never embed', async () => {
      const k = await keyWith('embed-g', ['balances:read']);
      const r = await as(k.key)('GET', `/balances?limit=100&include=identity`);
      expect(r.status).toBe(200);
      const mine = (r.json as any[]).find((b) => b.balance_id === balanceId);
      expect(mine.identity_id).toBe(identityId);
      expect(mine.identity).toBeUndefined();
      expect(r.text).not.toContain('Lamarr');
    });
  });

  describe('finding 5: keys minted by a leaked key can be revoked with it', () => {
    it('GET /api-keys shows who created each key (additive field)', async () => {
      const parent = await keyWith('tree-a', ['ledgers:read', 'api-keys:*']);
      const child = await keyWith('tree-a', ['ledgers:read'], parent.key);
      const list = await t.http('GET', '/api-keys?owner=tree-a');
      expect(list.status).toBe(200);
      const by = Object.fromEntries(
        (list.json as any[]).map((k) => [k.api_key_id, k.created_by] as const),
      );
      expect(by).toEqual({ [parent.api_key_id]: 'master', [child.api_key_id]: parent.api_key_id });
    });

    it('DELETE ?cascade=true revokes the key and every key it created, transitively', async () => {
      const root = await keyWith('tree-b', ['ledgers:read', 'api-keys:*']);
      const child = await keyWith('tree-b', ['ledgers:read', 'api-keys:*'], root.key);
      const grandchild = await keyWith('tree-b', ['ledgers:read'], child.key, 0.5);
      const sibling = await keyWith('tree-b', ['ledgers:read']);
      // A plain revoke of the child first: the cascade still walks through revoked keys.
      expect((await t.http('DELETE', `/api-keys/${child.api_key_id}?owner=tree-b`)).status).toBe(
        204,
      );
      expect((await as(grandchild.key)('GET', '/ledgers')).status).toBe(200);
      const r = await t.http('DELETE', `/api-keys/${root.api_key_id}?owner=tree-b&cascade=true`);
      expect(r.status).toBe(204);
      for (const k of [root, child, grandchild]) {
        expectCode(await as(k.key)('GET', '/ledgers'), 401, 'AUTH_EXPIRED_API_KEY');
      }
      expect((await as(sibling.key)('GET', '/ledgers')).status).toBe(200);
    });

    it('without cascade, only the named key is revoked (Blnk behaviour)', async () => {
      const root = await keyWith('tree-c', ['ledgers:read', 'api-keys:*']);
      const child = await keyWith('tree-c', ['ledgers:read'], root.key);
      for (const q of ['', '&cascade=false']) {
        expect(
          (await t.http('DELETE', `/api-keys/${root.api_key_id}?owner=tree-c${q}`)).status,
        ).toBe(204);
      }
      expect((await as(child.key)('GET', '/ledgers')).status).toBe(200);
    });

    it('a cascade value that is not true or false is a 400 and revokes nothing', async () => {
      const root = await keyWith('tree-d', ['ledgers:read']);
      const r = await t.http('DELETE', `/api-keys/${root.api_key_id}?owner=tree-d&cascade=yes`);
      expectCode(r, 400, 'APIKEY_INVALID');
      expect((await as(root.key)('GET', '/ledgers')).status).toBe(200);
    });

    it('a key may cascade-revoke its own parent, and is revoked with it', async () => {
      const parent = await keyWith('tree-e', ['ledgers:read', 'api-keys:*']);
      const child = await keyWith('tree-e', ['ledgers:read', 'api-keys:*'], parent.key);
      const r = await as(child.key)('DELETE', `/api-keys/${parent.api_key_id}?cascade=true`);
      expect(r.status).toBe(204);
      expectCode(await as(child.key)('GET', '/ledgers'), 401, 'AUTH_EXPIRED_API_KEY');
      expectCode(await as(parent.key)('GET', '/ledgers'), 401, 'AUTH_EXPIRED_API_KEY');
    });

    it('a scoped key cannot cascade into another owner, and master is not a key to revoke', async () => {
      const mine = await keyWith('tree-f', ['api-keys:*']);
      const theirs = await keyWith('tree-g', ['ledgers:read']);
      const r = await as(mine.key)('DELETE', `/api-keys/${theirs.api_key_id}?cascade=true`);
      expectCode(r, 403, 'AUTH_CROSS_OWNER_ACCESS');
      expect((await as(theirs.key)('GET', '/ledgers')).status).toBe(200);
      expectCode(await t.http('DELETE', '/api-keys/master?cascade=true'), 404, 'APIKEY_NOT_FOUND');
    });

    it('ends on a cycle of created_by (a tampered or restored table)', async () => {
      const a = await keyWith('tree-h', ['ledgers:read']);
      const b = await keyWith('tree-h', ['ledgers:read']);
      await t.ds.query(`UPDATE api_keys SET created_by = $2 WHERE api_key_id = $1`, [
        a.api_key_id,
        b.api_key_id,
      ]);
      await t.ds.query(`UPDATE api_keys SET created_by = $2 WHERE api_key_id = $1`, [
        b.api_key_id,
        a.api_key_id,
      ]);
      const r = await t.http('DELETE', `/api-keys/${a.api_key_id}?owner=tree-h&cascade=true`);
      expect(r.status).toBe(204);
      const rows = await t.ds.query(
        `SELECT is_revoked FROM api_keys WHERE api_key_id = ANY($1::text[])`,
        [[a.api_key_id, b.api_key_id]],
      );
      expect(rows.map((x: { is_revoked: boolean }) => x.is_revoked)).toEqual([true, true]);
    });

    it('keys minted while the cascade runs are revoked with it or refused, never left working', async () => {
      const other = await startTestApp({ shareDatabaseOf: t });
      try {
        const scopes = ['ledgers:read', 'api-keys:*'];
        const root = await keyWith('tree-j', scopes);
        const child = await keyWith('tree-j', scopes, root.key, 5);
        const mint = (key: string, i: number) =>
          other.http(
            'POST',
            '/api-keys',
            { name: `race-${i}`, owner: 'tree-j', scopes, expires_at: inDays(1) },
            { 'x-blnk-key': key },
          );
        const minted = Array.from({ length: 16 }, (_, i) => mint(i % 2 ? root.key : child.key, i));
        const revoked = t.http('DELETE', `/api-keys/${root.api_key_id}?owner=tree-j&cascade=true`);
        const results = await Promise.all(minted);
        expect((await revoked).status).toBe(204);
        for (const r of results) expect([201, 401]).toContain(r.status);
        const alive = await t.ds.query(
          `SELECT api_key_id FROM api_keys WHERE owner_id = 'tree-j' AND NOT is_revoked`,
        );
        expect(alive).toEqual([]);
      } finally {
        await other.close();
      }
    });

    it('a revoked key still cached by another process cannot mint a key that outlives it', async () => {
      const other = await startTestApp({ shareDatabaseOf: t });
      try {
        const root = await keyWith('tree-i', ['ledgers:read', 'api-keys:*']);
        // Warm the other process's cache with the key, then revoke it here.
        expect(
          (await other.http('GET', '/ledgers', undefined, { 'x-blnk-key': root.key })).status,
        ).toBe(200);
        const r = await t.http('DELETE', `/api-keys/${root.api_key_id}?owner=tree-i&cascade=true`);
        expect(r.status).toBe(204);
        const minted = await other.http(
          'POST',
          '/api-keys',
          { name: 'late', owner: 'tree-i', scopes: ['ledgers:read'], expires_at: inDays(1) },
          { 'x-blnk-key': root.key },
        );
        expectCode(minted, 401, 'AUTH_EXPIRED_API_KEY');
        const rows = await t.ds.query(`SELECT 1 FROM api_keys WHERE created_by = $1`, [
          root.api_key_id,
        ]);
        expect(rows).toHaveLength(0);
      } finally {
        await other.close();
      }
    });
  });
});
