import type { FastifyRequest } from 'fastify';

/**
 * Who made a request, as the auth guard established it. The guard attaches it to the request;
 * controllers read it with `principalOf(req)` (for audit logs, `BLNK_GENERATED_BY`, ownership).
 * `keyId` is `master` for the master key and `anonymous` when auth is turned off.
 */
export interface Principal {
  keyId: string;
  owner: string;
  scopes: readonly string[];
  isMaster: boolean;
}

const PRINCIPAL = Symbol.for('neraca.principal');

export const ANONYMOUS: Principal = Object.freeze({
  keyId: 'anonymous',
  owner: 'anonymous',
  scopes: Object.freeze(['*:*']),
  isMaster: true,
});

export function attachPrincipal(req: FastifyRequest, p: Principal): void {
  (req as unknown as Record<symbol, Principal>)[PRINCIPAL] = p;
}

export function principalOf(req: FastifyRequest): Principal {
  return (req as unknown as Record<symbol, Principal | undefined>)[PRINCIPAL] ?? ANONYMOUS;
}
