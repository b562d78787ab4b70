import { randomBytes } from 'node:crypto';
import { StaticTokenKeys } from '../../src/modules/identity/infrastructure/keys/static-token-keys';
import { startTestApp, TestApp } from '../support/app';

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

/**
 * Revealing PII needs `identities:detokenize`: `identities:read` / `write` (or `*:read`) let a
 * key see and tokenize identities, never detokenize them. Every reveal names the key and owner.
 */
describe('detokenization scope and audit', () => {
  let t: TestApp;
  let id: string;
  beforeAll(async () => {
    t = await startTestApp({ tokenKeys: new StaticTokenKeys([randomBytes(32)]) });
    id = (await t.http('POST', '/identities', { first_name: 'Hedy', last_name: 'Lamarr' })).json
      .identity_id;
    expect(
      (await t.http('POST', `/identities/${id}/tokenize`, { fields: ['FirstName'] })).status,
    ).toBe(200);
  });
  afterAll(() => t.close());

  const keyWith = async (owner: string, scopes: string[]) => {
    const r = await t.http('POST', '/api-keys', {
      name: `k-${owner}`,
      owner,
      scopes,
      expires_at: inDays(1),
    });
    expect(r.status).toBe(201);
    return r.json as { api_key_id: string; key: string };
  };
  const as = (key: string) => (method: string, path: string, body?: unknown) =>
    t.http(method, path, body, { 'x-blnk-key': key });

  it('read, write and wildcard-read keys cannot detokenize (403)', async () => {
    for (const scopes of [['identities:read', 'identities:write'], ['*:read']]) {
      const k = await keyWith('reader', scopes);
      const call = as(k.key);
      expect((await call('GET', `/identities/${id}`)).json.first_name).toMatch(/^FPT:/);
      for (const r of [
        await call('GET', `/identities/${id}/detokenize/firstName`),
        await call('POST', `/identities/${id}/detokenize`, { fields: [] }),
      ]) {
        expect([r.status, r.json.error_detail.code]).toEqual([
          403,
          'AUTH_INSUFFICIENT_PERMISSIONS',
        ]);
        expect(r.text).not.toContain('Hedy');
      }
    }
  });

  it('a key with identities:detokenize can, and the audit log names it and its owner', async () => {
    const k = await keyWith('support-desk', ['identities:detokenize']);
    const r = await as(k.key)('GET', `/identities/${id}/detokenize/firstName`);
    expect(r.json).toEqual({ field: 'firstName', value: 'Hedy' });
    const many = await as(k.key)('POST', `/identities/${id}/detokenize`, { fields: [] });
    expect(many.json).toEqual({ fields: { FirstName: 'Hedy' } });
    const audit = await t.ds.query(
      `SELECT field, api_key_id, owner, outcome FROM detokenization_audit
       WHERE identity_id = $1 ORDER BY id`,
      [id],
    );
    expect(audit).toEqual([
      { field: 'FirstName', api_key_id: k.api_key_id, owner: 'support-desk', outcome: 'revealed' },
      { field: 'FirstName', api_key_id: k.api_key_id, owner: 'support-desk', outcome: 'revealed' },
    ]);
  });
});
