import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '@libs/core/unit-of-work';
import { isForeignKeyViolation, sql } from '@libs/persistence/tx';
import { MonitorRepository } from '../../application/ports/monitor.repository';
import { BalanceMonitor, MAX_MONITORS_PER_BALANCE } from '../../domain/monitor';
import { invalidMonitorBalance, tooManyMonitors } from '../../domain/monitor.errors';
import { monitorValues, MonitorRow, toMonitor } from './monitor.mapper';

// Namespace of the per-balance advisory locks that make the monitor count exact under races.
const MONITORS_LOCK = 7_342_101;

const COLUMNS =
  'monitor_id, balance_id, field, operator, value, precision, precise_value, description, call_back_url, created_at';

@Injectable()
export class MonitorPgRepository extends MonitorRepository {
  constructor(private readonly db: DataSource) {
    super();
  }

  async insert(tx: Tx, m: BalanceMonitor): Promise<void> {
    await this.claimRoom(tx, m);
    try {
      await sql(tx).query(
        `INSERT INTO balance_monitors (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        monitorValues(m),
      );
    } catch (e) {
      if (isForeignKeyViolation(e)) throw invalidMonitorBalance(m.balanceId);
      throw e;
    }
  }

  async findById(id: string): Promise<BalanceMonitor | null> {
    const rows: MonitorRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM balance_monitors WHERE monitor_id = $1`,
      [id],
    );
    return rows.length ? toMonitor(rows[0]) : null;
  }

  async list(limit: number): Promise<BalanceMonitor[]> {
    const rows: MonitorRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM balance_monitors ORDER BY id LIMIT $1`,
      [limit],
    );
    return rows.map(toMonitor);
  }

  async listByBalance(balanceId: string): Promise<BalanceMonitor[]> {
    const rows: MonitorRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM balance_monitors WHERE balance_id = $1 ORDER BY id`,
      [balanceId],
    );
    return rows.map(toMonitor);
  }

  async update(tx: Tx, m: BalanceMonitor): Promise<string | null> {
    await this.claimRoom(tx, m);
    try {
      // The old balance id comes from a locked read in the same statement: the caller drops the
      // cached monitors of both balances when a monitor moves.
      const rows: { previous: string }[] = await sql(tx).query(
        `WITH old AS (SELECT balance_id FROM balance_monitors WHERE monitor_id = $1 FOR UPDATE),
              u AS (UPDATE balance_monitors SET balance_id = $2, field = $3, operator = $4,
                      value = $5, precision = $6, precise_value = $7, description = $8,
                      call_back_url = $9
                     WHERE monitor_id = $1 RETURNING monitor_id)
         SELECT old.balance_id AS previous FROM old, u`,
        monitorValues(m).slice(0, 9),
      );
      return rows.length ? rows[0].previous : null;
    } catch (e) {
      if (isForeignKeyViolation(e)) throw invalidMonitorBalance(m.balanceId);
      throw e;
    }
  }

  async delete(tx: Tx, id: string): Promise<string | null> {
    const rows: { balance_id: string }[] = await sql(tx).query(
      `WITH d AS (DELETE FROM balance_monitors WHERE monitor_id = $1 RETURNING balance_id)
       SELECT balance_id FROM d`,
      [id],
    );
    return rows.length ? rows[0].balance_id : null;
  }

  /**
   * Refuses a monitor on a balance that has MAX_MONITORS_PER_BALANCE others. Concurrent writes
   * for one balance queue on an advisory lock (not the balance row: transfers lock that one).
   */
  private async claimRoom(tx: Tx, m: BalanceMonitor): Promise<void> {
    await sql(tx).query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
      MONITORS_LOCK,
      m.balanceId,
    ]);
    const [{ n }]: { n: number }[] = await sql(tx).query(
      `SELECT count(*)::int AS n FROM balance_monitors WHERE balance_id = $1 AND monitor_id <> $2`,
      [m.balanceId, m.monitorId],
    );
    if (n >= MAX_MONITORS_PER_BALANCE) throw tooManyMonitors(m.balanceId, MAX_MONITORS_PER_BALANCE);
  }
}
