import { DomainError } from '@libs/core/domain-error';
import { FixedClock, SequentialIds } from '../../../../test/support/fakes/in-memory';
import { MemoryApiKeys, PassThroughUnitOfWork } from '../../../../test/support/fakes/api-keys';
import { AuthSettings } from '../auth-settings';
import { hashSecret, looksLikeApiKey } from '../domain/api-key';
import { Caller, MASTER_CALLER } from '../domain/caller';
import { ApiKeyUseCases } from './api-key.use-cases';
import { Authenticator, KEY_CACHE_TTL_MS } from './authenticator';

function setup() {
  const repo = new MemoryApiKeys();
  const clock = new FixedClock();
  const auth = new Authenticator(new AuthSettings(true, 'the-master-key'), repo, clock);
  const keys = new ApiKeyUseCases(
    new PassThroughUnitOfWork(),
    repo,
    new SequentialIds(),
    clock,
    auth,
  );
  const inDays = (d: number) => new Date(clock.now().getTime() + d * 86_400_000);
  /** A key the master key made for owner `o` with every scope. */
  const masterKey = (days: number, owner = 'o', scopes = ['*:*']) =>
    keys.create(MASTER_CALLER, { name: 'k', owner, scopes, expiresAt: inDays(days) });
  return { repo, clock, auth, keys, inDays, masterKey };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
  throw new Error('expected a DomainError');
}

describe('API key use cases', () => {
  it('creates a key that is shown once, stored as a digest, and authenticates', async () => {
    const { repo, auth, masterKey } = setup();
    const { apiKey, secret } = await masterKey(30, 'team-a', ['ledgers:read']);
    expect(looksLikeApiKey(secret)).toBe(true);
    expect(apiKey.apiKeyId).toMatch(/^api_key_/);
    const stored = repo.rows.get(apiKey.apiKeyId)!;
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(stored.keyHash).toBe(hashSecret(secret));
    expect(stored.createdBy).toBe('master');
    const caller = await auth.authenticate(secret);
    expect(caller).toMatchObject({ keyId: apiKey.apiKeyId, owner: 'team-a', isMaster: false });
  });

  it('tells missing, unknown, master, expired and revoked keys apart', async () => {
    const { keys, auth, clock, inDays, masterKey } = setup();
    expect(await code(auth.authenticate(undefined))).toBe('AUTH_MISSING_API_KEY');
    expect(await code(auth.authenticate('nope'))).toBe('AUTH_INVALID_API_KEY');
    expect(await code(auth.authenticate('nrk_' + 'A'.repeat(43)))).toBe('AUTH_INVALID_API_KEY');
    expect((await auth.authenticate('the-master-key')).isMaster).toBe(true);
    const a = await masterKey(1);
    clock.current = inDays(2);
    expect(await code(auth.authenticate(a.secret))).toBe('AUTH_EXPIRED_API_KEY');
    const b = await masterKey(10);
    await auth.authenticate(b.secret);
    await keys.revoke(MASTER_CALLER, b.apiKey.apiKeyId);
    // Revoked in this process: forgotten from the cache at once.
    expect(await code(auth.authenticate(b.secret))).toBe('AUTH_EXPIRED_API_KEY');
  });

  it('sees a revocation made elsewhere once the cache entry is older than its TTL', async () => {
    const { repo, auth, masterKey } = setup();
    const k = await masterKey(1);
    await auth.authenticate(k.secret);
    await auth.authenticate(k.secret);
    expect(repo.lookups).toBe(1);
    repo.rows.get(k.apiKey.apiKeyId)!.isRevoked = true; // another process revoked it
    await new Promise((r) => setTimeout(r, KEY_CACHE_TTL_MS + 50));
    expect(await code(auth.authenticate(k.secret))).toBe('AUTH_EXPIRED_API_KEY');
  });

  it('validates owner, scopes and expiry', async () => {
    const { keys, inDays, clock } = setup();
    const base = { name: 'n', owner: 'o', scopes: ['ledgers:read'], expiresAt: inDays(1) };
    expect(await code(keys.create(MASTER_CALLER, { ...base, owner: ' ' }))).toBe(
      'APIKEY_OWNER_REQUIRED',
    );
    expect(await code(keys.create(MASTER_CALLER, { ...base, scopes: [] }))).toBe('APIKEY_INVALID');
    expect(await code(keys.create(MASTER_CALLER, { ...base, scopes: ['ledger:read'] }))).toBe(
      'APIKEY_INVALID',
    );
    expect(await code(keys.create(MASTER_CALLER, { ...base, expiresAt: clock.now() }))).toBe(
      'APIKEY_INVALID',
    );
    expect(await code(keys.create(MASTER_CALLER, { ...base, name: '' }))).toBe('APIKEY_INVALID');
  });

  describe('a scoped key managing keys (Blnk PR #298)', () => {
    async function scoped(scopes: string[]) {
      const s = setup();
      const parent = await s.keys.create(MASTER_CALLER, {
        name: 'parent',
        owner: 'team-a',
        scopes,
        expiresAt: s.inDays(10),
      });
      const caller: Caller = await s.auth.authenticate(parent.secret);
      return { ...s, caller, parent };
    }

    it('creates keys within its own scopes and lifetime, for its own owner', async () => {
      const { keys, caller, inDays, parent } = await scoped(['ledgers:*', 'api-keys:*']);
      const child = await keys.create(caller, {
        name: 'child',
        scopes: ['ledgers:read'],
        expiresAt: inDays(5),
      });
      expect(child.apiKey.ownerId).toBe('team-a');
      expect(child.apiKey.createdBy).toBe(parent.apiKey.apiKeyId);
    });

    it('refuses scopes it does not hold', async () => {
      const { keys, caller, inDays } = await scoped(['ledgers:read', 'api-keys:write']);
      for (const scopes of [['ledgers:write'], ['*:read'], ['ledgers:*'], ['balances:read']]) {
        expect(
          await code(
            keys.create(caller, { name: 'x', owner: 'team-a', scopes, expiresAt: inDays(1) }),
          ),
        ).toBe('AUTH_SCOPE_ESCALATION');
      }
    });

    it('cannot create keys once revoked, even while its caller is still cached', async () => {
      const { keys, caller, inDays, parent } = await scoped(['*:*']);
      await keys.revoke(MASTER_CALLER, parent.apiKey.apiKeyId);
      // `caller` is what another process's authentication cache would still hand out.
      expect(
        await code(keys.create(caller, { name: 'x', scopes: ['*:*'], expiresAt: inDays(1) })),
      ).toBe('AUTH_EXPIRED_API_KEY');
    });

    it('a cascade revokes every key made from it, and forgets them all at once', async () => {
      const { keys, auth, caller, inDays, parent, masterKey } = await scoped(['*:*']);
      const child = await keys.create(caller, { name: 'c', scopes: ['*:*'], expiresAt: inDays(5) });
      const childCaller = await auth.authenticate(child.secret);
      const grandchild = await keys.create(childCaller, {
        name: 'g',
        scopes: ['*:*'],
        expiresAt: inDays(2),
      });
      const unrelated = await masterKey(3, 'team-a');
      await auth.authenticate(grandchild.secret); // cached
      const { key, descendants } = await keys.revoke(
        MASTER_CALLER,
        parent.apiKey.apiKeyId,
        undefined,
        { cascade: true },
      );
      expect(key.apiKeyId).toBe(parent.apiKey.apiKeyId);
      expect(descendants.map((k) => k.apiKeyId).sort()).toEqual(
        [child.apiKey.apiKeyId, grandchild.apiKey.apiKeyId].sort(),
      );
      expect(await code(auth.authenticate(grandchild.secret))).toBe('AUTH_EXPIRED_API_KEY');
      expect((await auth.authenticate(unrelated.secret)).keyId).toBe(unrelated.apiKey.apiKeyId);
      // Again: nothing new to revoke, and no error.
      const again = await keys.revoke(MASTER_CALLER, parent.apiKey.apiKeyId, undefined, {
        cascade: true,
      });
      expect(again.descendants).toEqual([]);
    });

    it('refuses a key that outlives it', async () => {
      const { keys, caller, inDays } = await scoped(['*:*']);
      expect(
        await code(keys.create(caller, { name: 'x', scopes: ['*:*'], expiresAt: inDays(11) })),
      ).toBe('AUTH_SCOPE_ESCALATION');
    });

    it('cannot create for, list or revoke another owner', async () => {
      const { keys, caller, inDays, masterKey } = await scoped(['*:*']);
      const other = await masterKey(1, 'team-b', ['*:*']);
      const create = keys.create(caller, {
        name: 'x',
        owner: 'team-b',
        scopes: ['ledgers:read'],
        expiresAt: inDays(1),
      });
      expect(await code(create)).toBe('AUTH_CROSS_OWNER_ACCESS');
      expect(await code(keys.list(caller, 'team-b'))).toBe('AUTH_CROSS_OWNER_ACCESS');
      expect(await code(keys.revoke(caller, other.apiKey.apiKeyId))).toBe(
        'AUTH_CROSS_OWNER_ACCESS',
      );
      expect(await code(keys.revoke(caller, other.apiKey.apiKeyId, 'team-a'))).toBe(
        'AUTH_CROSS_OWNER_ACCESS',
      );
      expect((await keys.list(MASTER_CALLER, 'team-b'))[0].isRevoked).toBe(false);
      expect((await keys.list(caller)).map((k) => k.ownerId)).toEqual(['team-a']);
    });
  });

  it('master: lists need an owner; revoking by the wrong owner is not found', async () => {
    const { keys, masterKey } = setup();
    const k = await masterKey(1, 'o', ['*:read']);
    expect(await code(keys.list(MASTER_CALLER))).toBe('APIKEY_OWNER_REQUIRED');
    expect(await code(keys.revoke(MASTER_CALLER, k.apiKey.apiKeyId, 'p'))).toBe('APIKEY_NOT_FOUND');
    expect(await code(keys.revoke(MASTER_CALLER, 'api_key_missing'))).toBe('APIKEY_NOT_FOUND');
    const { key: revoked, descendants } = await keys.revoke(MASTER_CALLER, k.apiKey.apiKeyId, 'o');
    expect(revoked.isRevoked).toBe(true);
    expect(revoked.revokedAt).not.toBeNull();
    expect(descendants).toEqual([]);
  });
});
