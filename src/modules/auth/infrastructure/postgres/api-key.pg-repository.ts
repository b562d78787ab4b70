import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '@libs/core/unit-of-work';
import { sql } from '@libs/persistence/tx';
import type { ApiKey } from '../../domain/api-key';
import { ApiKeyRepository } from '../../application/ports/api-key.repository';
import { API_KEY_COLUMNS, ApiKeyRow, toApiKey } from './api-key.mapper';

@Injectable()
export class ApiKeyPgRepository extends ApiKeyRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  async insert(tx: Tx, k: ApiKey): Promise<void> {
    await sql(tx).query(
      `INSERT INTO api_keys (${API_KEY_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
      [
        k.apiKeyId,
        k.name,
        k.ownerId,
        k.scopes,
        k.keyPrefix,
        k.keyHash,
        k.expiresAt,
        k.createdAt,
        k.lastUsedAt,
        k.isRevoked,
        k.revokedAt,
        k.createdBy,
      ],
    );
  }

  async findByPrefix(prefix: string): Promise<ApiKey[]> {
    const rows: ApiKeyRow[] = await this.db.query(
      `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE key_prefix = $1`,
      [prefix],
    );
    return rows.map(toApiKey);
  }

  async findById(tx: Tx, id: string): Promise<ApiKey | null> {
    const rows: ApiKeyRow[] = await sql(tx).query(
      `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE api_key_id = $1 FOR UPDATE`,
      [id],
    );
    return rows.length ? toApiKey(rows[0]) : null;
  }

  async findForShare(tx: Tx, id: string): Promise<ApiKey | null> {
    const rows: ApiKeyRow[] = await sql(tx).query(
      `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE api_key_id = $1 FOR SHARE`,
      [id],
    );
    return rows.length ? toApiKey(rows[0]) : null;
  }

  async listByOwner(ownerId: string): Promise<ApiKey[]> {
    const rows: ApiKeyRow[] = await this.db.query(
      `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE owner_id = $1 ORDER BY created_at DESC, api_key_id`,
      [ownerId],
    );
    return rows.map(toApiKey);
  }

  async revoke(tx: Tx, id: string, at: Date): Promise<ApiKey | null> {
    const rows: ApiKeyRow[] = await sql(tx).query(
      `WITH u AS (UPDATE api_keys SET is_revoked = true, revoked_at = COALESCE(revoked_at, $2)
       WHERE api_key_id = $1 RETURNING ${API_KEY_COLUMNS}) SELECT * FROM u`,
      [id, at],
    );
    return rows.length ? toApiKey(rows[0]) : null;
  }

  async revokeDescendants(tx: Tx, id: string, at: Date): Promise<ApiKey[]> {
    // UNION, not UNION ALL: a key met twice (a cycle in a tampered table) is not walked again.
    const rows: ApiKeyRow[] = await sql(tx).query(
      `WITH RECURSIVE tree (api_key_id) AS (
         SELECT api_key_id FROM api_keys WHERE created_by = $1
         UNION
         SELECT k.api_key_id FROM api_keys k JOIN tree t ON k.created_by = t.api_key_id
       ), u AS (
         UPDATE api_keys SET is_revoked = true, revoked_at = $2
         WHERE api_key_id IN (SELECT api_key_id FROM tree) AND NOT is_revoked
         RETURNING ${API_KEY_COLUMNS}
       ) SELECT * FROM u ORDER BY created_at, api_key_id`,
      [id, at],
    );
    return rows.map(toApiKey);
  }

  async touchLastUsed(id: string, at: Date): Promise<void> {
    await this.db.query(
      `UPDATE api_keys SET last_used_at = $2 WHERE api_key_id = $1 AND (last_used_at IS NULL OR last_used_at < $2)`,
      [id, at],
    );
  }
}
