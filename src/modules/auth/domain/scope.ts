/**
 * Scopes of scoped API keys (reference §1.2, §2.12): `resource:action`, with `*` for any resource
 * or any action. The scope a request needs comes from its route pattern and method, never from the
 * raw URL, so percent-encoding or doubled slashes cannot move a request to another resource.
 */
export const RESOURCES = [
  'ledgers',
  'balances',
  'accounts',
  'identities',
  'transactions',
  'balance-monitors',
  'hooks',
  'api-keys',
  'search',
  'reconciliation',
  'metadata',
  'backup',
  'webhooks',
] as const;
export type Resource = (typeof RESOURCES)[number];

/** `detokenize` exists only for identities: revealing PII is more than reading an identity. */
export const ACTIONS = ['read', 'write', 'delete', 'detokenize'] as const;
export type Action = (typeof ACTIONS)[number];

export interface Scope {
  resource: Resource | '*';
  action: Action | '*';
}

const METHOD_ACTION: Record<string, Action> = {
  GET: 'read',
  HEAD: 'read',
  POST: 'write',
  PUT: 'write',
  PATCH: 'write',
  DELETE: 'delete',
};

/** First path segment → resource. Blnk's table plus the routes it leaves unreachable (§17.13). */
const SEGMENT_RESOURCE: Record<string, Resource> = {
  ...Object.fromEntries(RESOURCES.map((r) => [r, r])),
  'mocked-account': 'accounts',
  'multi-search': 'search',
  'refund-transaction': 'transactions',
  'balances-snapshots': 'balances',
  'backup-s3': 'backup',
  'webhook-deliveries': 'webhooks',
};

export function formatScope(s: Scope): string {
  return `${s.resource}:${s.action}`;
}

/** Parses `resource:action`; null when either half is not a known name or `*`. */
export function parseScope(text: string): Scope | null {
  const parts = text.split(':');
  if (parts.length !== 2) return null;
  const [resource, action] = parts;
  const knownResource = resource === '*' || (RESOURCES as readonly string[]).includes(resource);
  const knownAction = action === '*' || (ACTIONS as readonly string[]).includes(action);
  if (!knownResource || !knownAction) return null;
  if (action === 'detokenize' && resource !== 'identities' && resource !== '*') return null;
  return { resource: resource as Scope['resource'], action: action as Scope['action'] };
}

/** Whether one held scope grants `needed`. A wildcard is only granted by a wildcard. */
function grants(held: Scope, needed: Scope): boolean {
  const resourceOk = held.resource === '*' || held.resource === needed.resource;
  const actionOk = held.action === '*' || held.action === needed.action;
  return resourceOk && actionOk;
}

/** Whether the held scope strings grant `needed`; unparseable held scopes grant nothing. */
export function covers(held: readonly string[], needed: Scope): boolean {
  return held.some((h) => {
    const s = parseScope(h);
    return s !== null && grants(s, needed);
  });
}

/** The requested scopes that `held` does not grant (the escalation in a key-creates-key call). */
export function notCovered(held: readonly string[], requested: readonly Scope[]): Scope[] {
  return requested.filter((r) => !covers(held, r));
}

function segments(routePattern: string): string[] {
  return routePattern.split('?')[0].split('/').filter(Boolean);
}

/**
 * The scope a request needs, from its HTTP method and route pattern (`/identities/:id/detokenize`);
 * null when the route belongs to no resource (→ AUTH_UNKNOWN_RESOURCE).
 */
export function requiredScope(method: string, routePattern: string): Scope | null {
  const action = METHOD_ACTION[method.toUpperCase()];
  const parts = segments(routePattern);
  if (!action || parts.length === 0) return null;
  // POST /{entity_id}/metadata: the first segment is an id, so Blnk found no resource here.
  if (parts.length === 2 && parts[0].startsWith(':') && parts[1] === 'metadata') {
    return { resource: 'metadata', action };
  }
  const resource = SEGMENT_RESOURCE[parts[0]];
  if (!resource) return null;
  if (resource === 'identities' && parts[2] === 'detokenize') {
    return { resource, action: 'detokenize' };
  }
  return { resource, action };
}

/**
 * Route families only the master key may call, whatever a key's scopes (reference §2.11). Backups
 * too: a dump holds every identity and key hash, more than any scope reads.
 */
const MASTER_KEY_ROUTES = new Set(['hooks', 'backup', 'backup-s3']);

/** Whether the route (its pattern, `/hooks/:id`) answers the master key alone. */
export function requiresMasterKey(routePattern: string): boolean {
  return MASTER_KEY_ROUTES.has(segments(routePattern)[0] ?? '');
}

/** Create routes whose body carries `meta_data`: a scoped key's POST there is stamped with its id. */
const STAMPED_CREATE_ROUTES = new Set([
  'ledgers',
  'balances',
  'transactions',
  'identities',
  'accounts',
]);

type Item = Record<string, unknown>;
const isItem = (v: unknown): v is Item => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The objects of a request body that create a row and so get `meta_data.BLNK_GENERATED_BY` when a
 * scoped key writes them: the body of a single create, each item of `POST /transactions/bulk`.
 * Updates are not stamped: `BLNK_GENERATED_BY` names the key that created the row, and the
 * server keeps it through `PUT /identities/:id` and `POST /{id}/metadata` (a client's value is
 * refused as a reserved key everywhere).
 */
export function stampedItems(method: string, routePattern: string, body: unknown): Item[] {
  if (method.toUpperCase() !== 'POST' || !isItem(body)) return [];
  const parts = segments(routePattern);
  if (parts.length === 1 && STAMPED_CREATE_ROUTES.has(parts[0])) return [body];
  if (parts.length === 2 && parts[0] === 'transactions' && parts[1] === 'bulk') {
    return Array.isArray(body.transactions) ? body.transactions.filter(isItem) : [];
  }
  return [];
}
