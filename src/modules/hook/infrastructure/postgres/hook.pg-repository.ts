import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '@libs/core/unit-of-work';
import { isUniqueViolation, sql } from '@libs/persistence/tx';
import type { Hook, HookType } from '../../domain/hook';
import { hookExists } from '../../domain/hook.errors';
import { HookRepository } from '../../application/ports/hook.repository';
import { HOOK_COLUMNS, HookRow, toHook } from './hook.mapper';

/** Hooks in `blnk.hooks` (Blnk keeps them in Redis; reference §2.11). */
@Injectable()
export class HookPgRepository extends HookRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  async insert(h: Hook, tx?: Tx): Promise<void> {
    try {
      await (tx ? sql(tx) : this.db).query(
        `INSERT INTO hooks (${HOOK_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
        [
          h.id,
          h.name,
          h.url,
          h.type,
          h.active,
          h.timeout,
          h.retryCount,
          h.blocking,
          h.failOpen,
          h.createdAt,
          h.lastRun,
          h.lastSuccess,
        ],
      );
    } catch (e) {
      if (isUniqueViolation(e)) throw hookExists(h.id);
      throw e;
    }
  }

  async findById(id: string): Promise<Hook | null> {
    const rows: HookRow[] = await this.db.query(`SELECT ${HOOK_COLUMNS} FROM hooks WHERE id = $1`, [
      id,
    ]);
    return rows.length ? toHook(rows[0]) : null;
  }

  async list(type?: HookType): Promise<Hook[]> {
    const rows: HookRow[] = await this.db.query(
      `SELECT ${HOOK_COLUMNS} FROM hooks WHERE $1::text IS NULL OR type = $1 ORDER BY created_at, id`,
      [type ?? null],
    );
    return rows.map(toHook);
  }

  async listActive(): Promise<Hook[]> {
    const rows: HookRow[] = await this.db.query(
      `SELECT ${HOOK_COLUMNS} FROM hooks WHERE active ORDER BY created_at, id`,
    );
    return rows.map(toHook);
  }

  async replace(
    id: string,
    h: Omit<Hook, 'id' | 'createdAt' | 'lastRun' | 'lastSuccess'>,
    tx?: Tx,
  ): Promise<Hook | null> {
    const rows: HookRow[] = await (tx ? sql(tx) : this.db).query(
      `WITH u AS (UPDATE hooks SET name = $2, url = $3, type = $4, active = $5,
         timeout_seconds = $6, retry_count = $7, blocking = $8, fail_open = $9
       WHERE id = $1 RETURNING ${HOOK_COLUMNS}) SELECT * FROM u`,
      [id, h.name, h.url, h.type, h.active, h.timeout, h.retryCount, h.blocking, h.failOpen],
    );
    return rows.length ? toHook(rows[0]) : null;
  }

  async delete(id: string): Promise<boolean> {
    const rows: { id: string }[] = await this.db.query(
      `WITH d AS (DELETE FROM hooks WHERE id = $1 RETURNING id) SELECT id FROM d`,
      [id],
    );
    return rows.length > 0;
  }

  async recordRun(id: string, at: Date, success: boolean): Promise<void> {
    await this.db.query(
      `UPDATE hooks SET last_run = $2, last_success = $3
       WHERE id = $1 AND (last_run IS NULL OR last_run <= $2)`,
      [id, at, success],
    );
  }
}
