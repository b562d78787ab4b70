import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { refuseReservedMetaKeys } from '@libs/core/reserved-metadata';
import { stampedItems } from '../../domain/scope';
import { callerIfAny } from './caller';

/**
 * The body phase of authentication, once the body is parsed (RequestGate has already
 * authenticated the request and checked its scope before any of it was read): engine keys in
 * `meta_data` are refused from everyone, then a scoped key's writes are stamped with
 * `BLNK_GENERATED_BY` (reference §1.2).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    // Before the body is stamped below: engine keys in meta_data are the server's, never the client's.
    refuseReservedMetaKeys(req.body);
    const caller = callerIfAny(req);
    if (caller && !caller.isMaster) {
      const route = req.routeOptions.url ?? req.url;
      for (const item of stampedItems(req.method, route, req.body)) stamp(item, caller.keyId);
    }
    return true;
  }
}

/**
 * Records which key created the entity: `meta_data.BLNK_GENERATED_BY` (a client's own value was
 * refused above, so it cannot be forged). A `meta_data` that is not an object is left for
 * validation to refuse.
 */
function stamp(item: Record<string, unknown>, keyId: string): void {
  const meta = item.meta_data;
  if (meta === undefined || meta === null) item.meta_data = { BLNK_GENERATED_BY: keyId };
  else if (typeof meta === 'object' && !Array.isArray(meta)) {
    (meta as Record<string, unknown>).BLNK_GENERATED_BY = keyId;
  }
}
