import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { refuseReservedMetaKeys } from '@libs/core/reserved-metadata';
import { attachPrincipal } from '@libs/http/principal';
import { AuthSettings } from '../../auth-settings';
import { Authenticator } from '../../application/authenticator';
import { RateLimiter } from '../../application/ports/rate-limiter';
import { insufficientPermissions, rateLimited, unknownResource } from '../../domain/auth.errors';
import type { Caller } from '../../domain/caller';
import { covers, requiredScope, stampsGeneratedBy } from '../../domain/scope';
import { rememberCaller } from './caller';
import { IS_PUBLIC } from './public.decorator';

/**
 * Every request passes here (reference §1.2, §1.3): rate limit, X-Blnk-Key authentication,
 * scope check from the matched route pattern, then the principal is attached for controllers.
 * Requests without a usable key are counted per client address; authenticated ones per key.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly settings: AuthSettings,
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const http = ctx.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      ctx.getHandler(),
      ctx.getClass(),
    ]);
    if (!this.settings.secure || isPublic) {
      await this.admit(reply, `ip:${req.ip}`);
      refuseReservedMetaKeys(req.body);
      return true;
    }
    let caller: Caller;
    try {
      const raw = req.headers['x-blnk-key'];
      caller = await this.authenticator.authenticate(Array.isArray(raw) ? raw[0] : raw);
    } catch (e) {
      // Failed attempts count against the address, so guessing keys is throttled too.
      await this.admit(reply, `ip:${req.ip}`);
      throw e;
    }
    await this.admit(reply, `key:${caller.keyId}`);
    // Before the body is stamped below: engine keys in meta_data are the server's, never the client's.
    refuseReservedMetaKeys(req.body);
    if (!caller.isMaster) this.authorize(req, caller);
    attachPrincipal(req, {
      keyId: caller.keyId,
      owner: caller.owner,
      scopes: caller.scopes,
      isMaster: caller.isMaster,
    });
    rememberCaller(req, caller);
    return true;
  }

  private authorize(req: FastifyRequest, caller: Caller): void {
    // The pattern Fastify matched (`/identities/:id/detokenize/:field`), not the raw URL.
    const route = req.routeOptions.url ?? req.url;
    const needed = requiredScope(req.method, route);
    if (!needed) throw unknownResource();
    if (!covers(caller.scopes, needed)) throw insufficientPermissions(needed);
    if (stampsGeneratedBy(req.method, route)) stampGeneratedBy(req, caller.keyId);
  }

  private async admit(reply: FastifyReply, bucket: string): Promise<void> {
    const decision = await this.limiter.take(bucket);
    if (decision.allowed) return;
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    void reply.header('retry-after', String(seconds));
    throw rateLimited(seconds);
  }
}

/**
 * Records which key created the entity (reference §1.2): `meta_data.BLNK_GENERATED_BY`, set on
 * create routes (a client's own BLNK_GENERATED_BY was refused before, so it cannot be forged). A `meta_data` that is not an object is
 * left for validation to refuse.
 */
function stampGeneratedBy(req: FastifyRequest, keyId: string): void {
  const body = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const b = body as Record<string, unknown>;
  const meta = b.meta_data;
  if (meta === undefined || meta === null) b.meta_data = { BLNK_GENERATED_BY: keyId };
  else if (typeof meta === 'object' && !Array.isArray(meta)) {
    (meta as Record<string, unknown>).BLNK_GENERATED_BY = keyId;
  }
}
