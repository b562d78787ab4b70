import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '@libs/core/domain-error';
import { AuthSettings } from '../../auth-settings';
import { IS_PUBLIC } from './public.decorator';

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/**
 * X-Blnk-Key authentication (reference §1.2). Auth is on unless turned off explicitly; the key is
 * compared in constant time (over digests, so its length does not leak either).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly masterDigest: Buffer;

  constructor(
    private readonly settings: AuthSettings,
    private readonly reflector: Reflector,
  ) {
    this.masterDigest = digest(settings.masterKey);
  }

  canActivate(ctx: ExecutionContext): boolean {
    if (!this.settings.secure) return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()]))
      return true;
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    const raw = req.headers['x-blnk-key'];
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (!key)
      throw new DomainError(
        'AUTH_MISSING_API_KEY',
        'Authentication required. Use X-Blnk-Key header',
      );
    if (!timingSafeEqual(digest(key), this.masterDigest)) {
      throw new DomainError('AUTH_INVALID_API_KEY', 'Invalid API key');
    }
    return true;
  }
}
