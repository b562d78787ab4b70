import { createHash, timingSafeEqual } from 'node:crypto';
import { DomainError } from '@libs/core/domain-error';

/**
 * Who may scrape GET /metrics (reference §2.1): `Authorization: Bearer <metrics_bearer_token>`,
 * never X-Blnk-Key nor the query string. With a token set it is required; without one the
 * endpoint is open only while authentication is off (server.secure = false).
 */
export function checkMetricsAccess(
  secure: boolean,
  token: string,
  authorization: string | undefined,
): void {
  if (!token) {
    if (!secure) return;
    throw new DomainError(
      'AUTH_METRICS_DISABLED',
      'metrics are disabled: set server.metrics_bearer_token to scrape them',
    );
  }
  const match = /^Bearer (.+)$/.exec(authorization ?? '');
  if (!match) {
    throw new DomainError(
      'AUTH_METRICS_TOKEN_REQUIRED',
      'a bearer token is required: Authorization: Bearer <metrics_bearer_token>',
    );
  }
  if (!sameText(match[1], token)) {
    throw new DomainError('AUTH_INVALID_BEARER_TOKEN', 'invalid bearer token');
  }
}

/** Compared as SHA-256 digests: constant time whatever the lengths. */
function sameText(presented: string, expected: string): boolean {
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
