import type { FastifyRequest } from 'fastify';
import { principalOf } from '@libs/http/principal';
import { insufficientPermissions } from '../../domain/auth.errors';
import { Action, covers, Resource } from '../../domain/scope';

/** The scope vocabulary other modules name when they ask for a scope. */
export type { Action, Resource };

/**
 * A response that embeds another resource (`GET /balances/:id?include=identity`) shows what a read
 * of that resource would: the caller needs its read scope too, or the route's own scope would be
 * a way around it. Refused, not silently left out, so a client learns why the object is missing.
 * The master key (and a server with authentication off) may embed anything.
 * @throws DomainError AUTH_INSUFFICIENT_PERMISSIONS naming the missing scope.
 */
export function requireEmbedScope(req: FastifyRequest, resource: Resource): void {
  requireScopes(req, resource, ['read']);
}

/**
 * A route that acts on another resource (`POST /{id}/metadata` writes a ledger, balance,
 * transaction or identity and answers its metadata) needs that resource's scopes, besides its own.
 * @throws DomainError AUTH_INSUFFICIENT_PERMISSIONS naming the first missing scope.
 */
export function requireScopes(req: FastifyRequest, resource: Resource, actions: Action[]): void {
  const principal = principalOf(req);
  if (principal.isMaster) return;
  for (const action of actions) {
    const needed = { resource, action };
    if (!covers(principal.scopes, needed)) throw insufficientPermissions(needed);
  }
}
