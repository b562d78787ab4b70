import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { stringifyJson } from '@libs/core/json';
import type { ListQuery, Page } from '@libs/core/list-query';
import type { Tx } from '@libs/core/unit-of-work';
import { compileListQuery } from '@libs/persistence/filter/compile-list-query';
import { isForeignKeyViolation, isUniqueViolation, sql } from '@libs/persistence/tx';
import { Identity, IDENTITY_TEXT_FIELDS } from '../../domain/identity';
import { identityInUse, identityInvalid } from '../../domain/identity.errors';
import type { TokenizableField } from '../../domain/tokenized-fields';
import { IdentityRecord, IdentityRepository } from '../../application/ports/identity.repository';
import { IDENTITY_COLUMNS, IdentityRow, toIdentity } from './identity.mapper';
import { IDENTITY_TABLE } from './identity.table';

const WRITE_COLUMNS = ['identity_id', ...IDENTITY_TEXT_FIELDS, 'dob', 'created_at', 'meta_data'];

function values(i: Identity): unknown[] {
  return [
    i.identityId,
    ...IDENTITY_TEXT_FIELDS.map((f) => i.attributes[f]),
    i.dob,
    i.createdAt,
    i.metaData === null ? null : stringifyJson(i.metaData),
  ];
}

/**
 * Identities in the `identity` table. A tokenized field holds its token in its own column; the
 * `identity_token` table is the server's record of which fields are tokenized and with which key
 * (meta_data.tokenized_fields is only a copy for clients, since clients can write meta_data).
 */
@Injectable()
export class IdentityPgRepository extends IdentityRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  async insert(tx: Tx, identity: Identity): Promise<void> {
    const params = WRITE_COLUMNS.map((_, i) => `$${i + 1}`);
    params[params.length - 1] += '::jsonb';
    try {
      await sql(tx).query(
        `INSERT INTO identity (${WRITE_COLUMNS.join(', ')}) VALUES (${params.join(', ')})`,
        values(identity),
      );
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw identityInvalid(`Identity with ID '${identity.identityId}' already exists`);
      }
      throw e;
    }
  }

  async findById(id: string): Promise<Identity | null> {
    const rows: IdentityRow[] = await this.db.query(
      `SELECT ${IDENTITY_COLUMNS} FROM identity WHERE identity_id = $1`,
      [id],
    );
    return rows.length ? toIdentity(rows[0]) : null;
  }

  lock(tx: Tx, id: string): Promise<IdentityRecord | null> {
    return this.record(tx, id, 'FOR UPDATE');
  }

  findRecord(tx: Tx, id: string): Promise<IdentityRecord | null> {
    return this.record(tx, id, '');
  }

  private async record(tx: Tx, id: string, lock: string): Promise<IdentityRecord | null> {
    const rows: IdentityRow[] = await sql(tx).query(
      `SELECT ${IDENTITY_COLUMNS} FROM identity WHERE identity_id = $1 ${lock}`,
      [id],
    );
    if (!rows.length) return null;
    const tokens: { field: TokenizableField; key_id: string; random_visible: boolean }[] =
      await sql(tx).query(
        `SELECT field, key_id, random_visible FROM identity_token WHERE identity_id = $1 ORDER BY field`,
        [id],
      );
    return {
      identity: toIdentity(rows[0]),
      tokens: new Map(tokens.map((t) => [t.field, t.key_id])),
      keyedVisible: new Set(tokens.filter((t) => !t.random_visible).map((t) => t.field)),
    };
  }

  async list(query: ListQuery): Promise<Page<Identity>> {
    const c = compileListQuery(IDENTITY_TABLE, query);
    const count = query.includeCount ? ', count(*) OVER () AS __total_count' : '';
    const rows: (IdentityRow & { __total_count?: string })[] = await this.db.query(
      `SELECT ${IDENTITY_COLUMNS}${count} FROM identity ${c.where} ORDER BY ${c.orderBy} LIMIT ${c.limit} OFFSET ${c.offset}`,
      c.params,
    );
    const totalCount =
      query.includeCount && rows.length ? Number(rows[0].__total_count) : undefined;
    return { items: rows.map(toIdentity), totalCount };
  }

  async save(tx: Tx, i: Identity): Promise<void> {
    const columns = [...IDENTITY_TEXT_FIELDS, 'dob'];
    const sets = columns.map((c, n) => `${c} = $${n + 2}`);
    await sql(tx).query(
      `UPDATE identity SET ${sets.join(', ')}, meta_data = $${columns.length + 2}::jsonb
       WHERE identity_id = $1`,
      [
        i.identityId,
        ...IDENTITY_TEXT_FIELDS.map((f) => i.attributes[f]),
        i.dob,
        i.metaData === null ? null : stringifyJson(i.metaData),
      ],
    );
  }

  async putToken(tx: Tx, id: string, field: TokenizableField, keyId: string): Promise<void> {
    await sql(tx).query(
      `INSERT INTO identity_token (identity_id, field, key_id, random_visible) VALUES ($1, $2, $3, true)
       ON CONFLICT (identity_id, field)
       DO UPDATE SET key_id = EXCLUDED.key_id, random_visible = true, tokenized_at = now()`,
      [id, field, keyId],
    );
  }

  async delete(tx: Tx, id: string): Promise<boolean> {
    try {
      const rows: unknown[] = await sql(tx).query(
        `WITH d AS (DELETE FROM identity WHERE identity_id = $1 RETURNING 1) SELECT * FROM d`,
        [id],
      );
      return rows.length > 0;
    } catch (e) {
      if (isForeignKeyViolation(e)) throw identityInUse(id);
      throw e;
    }
  }

  async withTokensToRotate(keyId: string, afterId: string, limit: number): Promise<string[]> {
    const rows: { identity_id: string }[] = await this.db.query(
      `SELECT DISTINCT identity_id FROM identity_token
       WHERE (key_id <> $1 OR NOT random_visible) AND identity_id > $2
       ORDER BY identity_id LIMIT $3`,
      [keyId, afterId, limit],
    );
    return rows.map((r) => r.identity_id);
  }
}
