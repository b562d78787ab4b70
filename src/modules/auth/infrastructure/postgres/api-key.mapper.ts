import type { ApiKey } from '../../domain/api-key';

export interface ApiKeyRow {
  api_key_id: string;
  name: string;
  owner_id: string;
  scopes: string[];
  key_prefix: string;
  key_hash: string;
  expires_at: Date;
  created_at: Date;
  last_used_at: Date | null;
  is_revoked: boolean;
  revoked_at: Date | null;
  created_by: string;
}

export const API_KEY_COLUMNS =
  'api_key_id, name, owner_id, scopes, key_prefix, key_hash, expires_at, created_at, last_used_at, is_revoked, revoked_at, created_by';

export function toApiKey(r: ApiKeyRow): ApiKey {
  return {
    apiKeyId: r.api_key_id,
    name: r.name,
    ownerId: r.owner_id,
    scopes: r.scopes,
    keyPrefix: r.key_prefix,
    keyHash: r.key_hash,
    expiresAt: new Date(r.expires_at),
    createdAt: new Date(r.created_at),
    lastUsedAt: r.last_used_at ? new Date(r.last_used_at) : null,
    isRevoked: r.is_revoked,
    revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
    createdBy: r.created_by,
  };
}
