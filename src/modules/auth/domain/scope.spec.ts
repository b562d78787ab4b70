import { covers, notCovered, parseScope, requiredScope, stampedItems } from './scope';

describe('scopes', () => {
  it.each([
    ['ledgers:read', { resource: 'ledgers', action: 'read' }],
    ['*:*', { resource: '*', action: '*' }],
    ['balance-monitors:delete', { resource: 'balance-monitors', action: 'delete' }],
    ['identities:detokenize', { resource: 'identities', action: 'detokenize' }],
    ['*:detokenize', { resource: '*', action: 'detokenize' }],
  ])('parses %s', (text, scope) => {
    expect(parseScope(text)).toEqual(scope);
  });

  it.each([
    'ledgers',
    'ledgers:',
    ':read',
    'ledgers:read:x',
    'wallets:read',
    'ledgers:admin',
    'ledgers:detokenize',
    '',
  ])('refuses %p', (text) => {
    expect(parseScope(text)).toBeNull();
  });

  it('grants by exact match or wildcard, never a wildcard from a narrower scope', () => {
    const read = { resource: 'ledgers', action: 'read' } as const;
    expect(covers(['ledgers:read'], read)).toBe(true);
    expect(covers(['ledgers:*'], read)).toBe(true);
    expect(covers(['*:read'], read)).toBe(true);
    expect(covers(['*:*'], read)).toBe(true);
    expect(covers(['ledgers:write', 'balances:read'], read)).toBe(false);
    expect(covers(['garbage'], read)).toBe(false);
    expect(covers(['ledgers:read'], { resource: '*', action: 'read' })).toBe(false);
    expect(covers(['ledgers:read', 'ledgers:write'], { resource: 'ledgers', action: '*' })).toBe(
      false,
    );
    expect(covers(['*:read'], { resource: 'identities', action: 'detokenize' })).toBe(false);
    expect(covers(['identities:*'], { resource: 'identities', action: 'detokenize' })).toBe(true);
  });

  it('lists the requested scopes a key does not hold', () => {
    const wanted = ['ledgers:read', 'balances:write', '*:read'].map((s) => parseScope(s)!);
    expect(notCovered(['ledgers:*'], wanted).map((s) => `${s.resource}:${s.action}`)).toEqual([
      'balances:write',
      '*:read',
    ]);
    expect(notCovered(['*:*'], wanted)).toEqual([]);
  });

  it.each([
    ['GET', '/ledgers', 'ledgers:read'],
    ['HEAD', '/ledgers/:id', 'ledgers:read'],
    ['POST', '/ledgers/filter', 'ledgers:write'],
    ['PUT', '/balances/:id/identity', 'balances:write'],
    ['DELETE', '/api-keys/:id', 'api-keys:delete'],
    ['POST', '/refund-transaction/:id', 'transactions:write'],
    ['GET', '/mocked-account', 'accounts:read'],
    ['POST', '/multi-search', 'search:write'],
    // The routes Blnk leaves unreachable to scoped keys (§17.13).
    ['POST', '/:id/metadata', 'metadata:write'],
    ['POST', '/balances-snapshots', 'balances:write'],
    ['GET', '/backup-s3', 'backup:read'],
    ['GET', '/backup', 'backup:read'],
    // Revealing PII is its own permission.
    ['GET', '/identities/:id/detokenize/:field', 'identities:detokenize'],
    ['POST', '/identities/:id/detokenize', 'identities:detokenize'],
    ['POST', '/identities/:id/tokenize', 'identities:write'],
    ['GET', '/identities/:id/tokenized-fields', 'identities:read'],
  ])('%s %s needs %s', (method, route, scope) => {
    const s = requiredScope(method, route)!;
    expect(`${s.resource}:${s.action}`).toBe(scope);
  });

  it('finds no resource for unknown routes or methods', () => {
    expect(requiredScope('GET', '/nowhere')).toBeNull();
    expect(requiredScope('GET', '/')).toBeNull();
    expect(requiredScope('OPTIONS', '/ledgers')).toBeNull();
    expect(requiredScope('GET', '/:id/other')).toBeNull();
  });

  it('stamps what creates a row: single creates and each bulk item', () => {
    const body = { meta_data: {} };
    expect(stampedItems('POST', '/ledgers', body)).toEqual([body]);
    expect(stampedItems('POST', '/transactions', body)).toEqual([body]);
    expect(stampedItems('POST', '/identities', body)).toEqual([body]);
    const items = [{ reference: 'a' }, { reference: 'b' }];
    expect(stampedItems('POST', '/transactions/bulk', { transactions: [...items, 5] })).toEqual(
      items,
    );
    expect(stampedItems('POST', '/transactions/bulk', { transactions: 'x' })).toEqual([]);
    expect(stampedItems('POST', '/ledgers/filter', body)).toEqual([]);
    expect(stampedItems('PUT', '/identities/:id', body)).toEqual([]);
    expect(stampedItems('POST', '/:id/metadata', body)).toEqual([]);
    expect(stampedItems('POST', '/api-keys', body)).toEqual([]);
    expect(stampedItems('POST', '/ledgers', [body])).toEqual([]);
  });
});
