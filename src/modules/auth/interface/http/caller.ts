import type { FastifyRequest } from 'fastify';
import { missingPrincipal } from '../../domain/auth.errors';
import type { Caller } from '../../domain/caller';

// The auth module's own, richer view of the principal (it also knows the key's expiry).
const CALLERS = new WeakMap<FastifyRequest, Caller>();

export function rememberCaller(req: FastifyRequest, caller: Caller): void {
  CALLERS.set(req, caller);
}

/** @throws DomainError AUTH_MISSING_PRINCIPAL when authentication is turned off. */
export function callerOf(req: FastifyRequest): Caller {
  const caller = CALLERS.get(req);
  if (!caller) throw missingPrincipal();
  return caller;
}

/** The authenticated caller, or undefined (public route, authentication off). */
export function callerIfAny(req: FastifyRequest): Caller | undefined {
  return CALLERS.get(req);
}
