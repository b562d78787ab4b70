import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { Tx } from '@libs/core/unit-of-work';
import { sql } from '@libs/persistence/tx';
import type { StoredAnswer, StoredKey } from '../../domain/idempotency-key';
import { IdempotencyStore } from '../../application/ports/idempotency-store';

// Namespace of the per-key advisory locks (the second key is a hash of scope and key).
const KEY_LOCK = 7_342_301;

interface KeyRow {
  request_hash: string;
  age_ms: string;
  status_code: number | null;
  content_type: string | null;
  body: Buffer | null;
}

const LIVE = `created_at >= now() - $3::float8 * interval '1 millisecond'`;
const EXPIRED = `idempotency_keys.created_at < now() - $4::float8 * interval '1 millisecond'`;
// A record replaced because it expired starts afresh.
const REPLACE = `request_hash = EXCLUDED.request_hash, effect = EXCLUDED.effect,
  created_at = now(), status_code = EXCLUDED.status_code, content_type = EXCLUDED.content_type,
  body = EXCLUDED.body, answered_at = EXCLUDED.answered_at`;

/** Keys in `idempotency_keys` (migration 1733500000000). */
@Injectable()
export class IdempotencyPgStore extends IdempotencyStore {
  constructor(private readonly db: DataSource) {
    super();
  }

  async find(
    scope: string,
    key: string,
    retentionMs: number,
    tx?: Tx,
  ): Promise<StoredKey | undefined> {
    const q = tx ? sql(tx) : this.db;
    const [row] = (await q.query(
      `SELECT request_hash, (extract(epoch FROM now() - created_at) * 1000)::bigint::text AS age_ms,
              status_code, content_type, body
         FROM idempotency_keys WHERE scope = $1 AND key = $2 AND ${LIVE}`,
      [scope, key, retentionMs],
    )) as KeyRow[];
    if (!row) return undefined;
    return {
      requestHash: row.request_hash,
      ageMs: Number(row.age_ms),
      answer:
        row.status_code === null || row.body === null
          ? undefined
          : {
              status: row.status_code,
              contentType: row.content_type ?? undefined,
              body: new Uint8Array(row.body),
            },
    };
  }

  async lock(tx: Tx, scope: string, key: string): Promise<void> {
    await lockKey(sql(tx), scope, key);
  }

  async recordEffect(
    tx: Tx,
    scope: string,
    key: string,
    requestHash: string,
    retentionMs: number,
  ): Promise<boolean> {
    const q = sql(tx);
    // An id is assigned to a transaction by its first write (or row lock): none, no effect.
    const [{ wrote }] = (await q.query(
      `SELECT pg_current_xact_id_if_assigned() IS NOT NULL AS wrote`,
    )) as { wrote: boolean }[];
    if (!wrote) return false;
    const rows = (await q.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, effect)
       VALUES ($1, $2, $3, true)
       ON CONFLICT (scope, key) DO UPDATE SET ${REPLACE} WHERE ${EXPIRED}
       RETURNING 1`,
      [scope, key, requestHash, retentionMs],
    )) as unknown[];
    // Under the key's lock, after find() saw no live record, there can be none: if there is, the
    // effect must not commit without its key.
    if (!rows.length) throw new Error(`idempotency key ${scope}/${key} recorded concurrently`);
    return true;
  }

  async answer(scope: string, key: string, answer: StoredAnswer): Promise<void> {
    await this.db.query(
      `UPDATE idempotency_keys
          SET status_code = $3, content_type = $4, body = $5, answered_at = now()
        WHERE scope = $1 AND key = $2 AND answered_at IS NULL`,
      [scope, key, answer.status, answer.contentType ?? null, Buffer.from(answer.body)],
    );
  }

  async recordAnswer(
    scope: string,
    key: string,
    requestHash: string,
    answer: StoredAnswer,
    retentionMs: number,
  ): Promise<void> {
    await this.db.transaction(async (m) => {
      await lockKey(m, scope, key);
      await m.query(
        `INSERT INTO idempotency_keys
           (scope, key, request_hash, effect, status_code, content_type, body, answered_at)
         VALUES ($1, $2, $3, false, $5, $6, $7, now())
         ON CONFLICT (scope, key) DO UPDATE SET ${REPLACE} WHERE ${EXPIRED}`,
        [
          scope,
          key,
          requestHash,
          retentionMs,
          answer.status,
          answer.contentType ?? null,
          Buffer.from(answer.body),
        ],
      );
    });
  }

  async prune(retentionMs: number, limit: number): Promise<number> {
    // TypeORM answers a DELETE with [rows, affected].
    const [, deleted] = (await this.db.query(
      `DELETE FROM idempotency_keys WHERE ctid IN (
         SELECT ctid FROM idempotency_keys
          WHERE created_at < now() - $1::float8 * interval '1 millisecond'
          ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [retentionMs, limit],
    )) as [unknown[], number];
    return deleted;
  }
}

function lockKey(q: EntityManager | DataSource, scope: string, key: string): Promise<unknown> {
  return q.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [KEY_LOCK, `${scope}\n${key}`]);
}
