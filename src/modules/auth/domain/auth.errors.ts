import { DomainError } from '@libs/core/domain-error';
import { formatScope, Scope } from './scope';

// Messages follow Blnk's where it has one (reference §1.2).
export const missingApiKey = () =>
  new DomainError('AUTH_MISSING_API_KEY', 'Authentication required. Use X-Blnk-Key header');
export const invalidApiKey = () => new DomainError('AUTH_INVALID_API_KEY', 'Invalid API key');
export const expiredApiKey = () =>
  new DomainError('AUTH_EXPIRED_API_KEY', 'API key is expired or revoked');
export const unknownResource = () =>
  new DomainError('AUTH_UNKNOWN_RESOURCE', 'Unknown resource type');
export const insufficientPermissions = (needed: Scope) =>
  new DomainError(
    'AUTH_INSUFFICIENT_PERMISSIONS',
    `Insufficient permissions for ${formatScope(needed)}`,
  );
export const masterKeyRequired = () =>
  new DomainError('AUTH_MASTER_KEY_REQUIRED', 'hook management requires master key');
export const missingPrincipal = () =>
  new DomainError(
    'AUTH_MISSING_PRINCIPAL',
    'API keys need authentication turned on (server.secure)',
  );
export const crossOwnerAccess = () =>
  new DomainError('AUTH_CROSS_OWNER_ACCESS', 'an API key can only manage keys of its own owner');
export const scopeEscalation = (reason: string) => new DomainError('AUTH_SCOPE_ESCALATION', reason);
export const ownerRequired = () => new DomainError('APIKEY_OWNER_REQUIRED', 'owner is required');
export const invalidApiKeyRequest = (reason: string) => new DomainError('APIKEY_INVALID', reason);
export const apiKeyNotFound = () => new DomainError('APIKEY_NOT_FOUND', 'API key not found');
export const rateLimited = (retryAfterSeconds: number) =>
  new DomainError('GEN_RATE_LIMITED', 'You have reached maximum request limit.', {
    retry_after_seconds: retryAfterSeconds,
  });
