import { rfc3339 } from '@libs/http/time';
import type { ApiKey } from '../../domain/api-key';
import type { ApiKeyView } from './api-key.dto';

/** `secret` only right after creation; otherwise `key` is a display hint, never a hash. */
export function presentApiKey(k: ApiKey, secret?: string): ApiKeyView {
  const view: ApiKeyView = {
    api_key_id: k.apiKeyId,
    key: secret ?? `${k.keyPrefix}…`,
    name: k.name,
    owner_id: k.ownerId,
    scopes: k.scopes,
    expires_at: rfc3339(k.expiresAt),
    created_at: rfc3339(k.createdAt),
    last_used_at: rfc3339(k.lastUsedAt),
    is_revoked: k.isRevoked,
    created_by: k.createdBy,
  };
  if (k.revokedAt) view.revoked_at = rfc3339(k.revokedAt);
  return view;
}
