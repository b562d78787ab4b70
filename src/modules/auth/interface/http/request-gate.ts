import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@libs/core/domain-error';
import { toEnvelope } from '@libs/http/error.filter';
import { attachPrincipal } from '@libs/http/principal';
import { AuthSettings } from '../../auth-settings';
import { Authenticator } from '../../application/authenticator';
import { RateLimiter } from '../../application/ports/rate-limiter';
import {
  insufficientPermissions,
  masterKeyRequired,
  rateLimited,
  unknownResource,
} from '../../domain/auth.errors';
import type { Caller } from '../../domain/caller';
import { covers, requiredScope, requiresMasterKey } from '../../domain/scope';
import { rememberCaller } from './caller';
import { isPublicRoute } from './public.decorator';

/**
 * The first thing every request meets (Fastify's `onRequest`, reference §1.2, §1.3): the rate
 * limit, X-Blnk-Key authentication and the scope check from the matched route pattern, all before
 * a byte of the body is read. A request without a usable key is answered here, so its body is
 * never parsed. Body checks (reserved metadata keys, BLNK_GENERATED_BY) come later, in
 * ApiKeyGuard, once the body is parsed.
 *
 * Buckets: `key:<id>` per authenticated key; `ip:<address>` for everything without a usable key
 * (public routes, a missing key, failed attempts); `fail:<address>` for failed attempts only.
 * While the failure bucket of an address is empty no key from it is checked at all, not even the
 * right one, so guessing gains nothing from the answers it gets while throttled.
 */
@Injectable()
export class RequestGate {
  constructor(
    private readonly settings: AuthSettings,
    private readonly authenticator: Authenticator,
    private readonly limiter: RateLimiter,
  ) {}

  async onRequest(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
    try {
      await this.admitRequest(req, reply);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      if (hasBody(req)) leaveBodyUnread(req, reply);
      // Answered here, the cheapest way: a flood of refusals should cost as little as possible.
      const { status, body } = toEnvelope(e);
      return reply
        .code(status)
        .header('content-type', 'application/json; charset=utf-8')
        .send(body);
    }
  }

  private async admitRequest(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const address = req.ip;
    if (!this.settings.secure || isPublicRoute(req)) {
      await this.admit(reply, `ip:${address}`);
      return;
    }
    const raw = req.headers['x-blnk-key'];
    const presented = Array.isArray(raw) ? raw[0] : raw;
    if (presented) await this.refuseWhileThrottled(reply, `fail:${address}`);
    let caller: Caller;
    try {
      caller = await this.authenticator.authenticate(presented);
    } catch (e) {
      if (presented) await this.admit(reply, `fail:${address}`);
      await this.admit(reply, `ip:${address}`);
      throw e;
    }
    await this.admit(reply, `key:${caller.keyId}`);
    // An unknown route with a usable key is left to the router's 404.
    if (!caller.isMaster && !req.is404) this.authorize(req, caller);
    attachPrincipal(req, {
      keyId: caller.keyId,
      owner: caller.owner,
      scopes: caller.scopes,
      isMaster: caller.isMaster,
    });
    rememberCaller(req, caller);
  }

  private authorize(req: FastifyRequest, caller: Caller): void {
    // The pattern Fastify matched (`/identities/:id/detokenize/:field`), not the raw URL.
    const route = req.routeOptions.url ?? req.url;
    // Before the scopes: no scope grants these, so a scoped key learns nothing more here.
    if (requiresMasterKey(route)) throw masterKeyRequired();
    const needed = requiredScope(req.method, route);
    if (!needed) throw unknownResource();
    if (!covers(caller.scopes, needed)) throw insufficientPermissions(needed);
  }

  private async admit(reply: FastifyReply, bucket: string): Promise<void> {
    this.refuse(reply, await this.limiter.take(bucket));
  }

  private async refuseWhileThrottled(reply: FastifyReply, bucket: string): Promise<void> {
    this.refuse(reply, await this.limiter.peek(bucket));
  }

  private refuse(reply: FastifyReply, decision: { allowed: boolean; retryAfterMs: number }) {
    if (decision.allowed) return;
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    void reply.header('retry-after', String(seconds));
    throw rateLimited(seconds);
  }
}

/**
 * The body of a refused request is never read. Left to itself, Node reads (and throws away) what
 * the client keeps sending after the answer, until the connection closes: a flood of big bodies
 * would still cost their bytes, unparsed. So the connection is closed as soon as the answer is
 * written: the client has its 401 (or 429), and then a reset for the rest of its upload.
 */
function leaveBodyUnread(req: FastifyRequest, reply: FastifyReply): void {
  void reply.header('connection', 'close');
  const socket = req.raw.socket;
  reply.raw.once('finish', () => socket.destroy());
}

function hasBody(req: FastifyRequest): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
