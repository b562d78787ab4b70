import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { stringifyJson } from '@libs/core/json';
import type { Tx } from '@libs/core/unit-of-work';
import { sql } from '@libs/persistence/tx';
import {
  QueuedOptions,
  QueuedWorkItem,
  QueuedWorkRepository,
} from '../../application/ports/queued-work.repository';
import { TRANSACTION_COLUMNS, TransactionRow, toTransaction } from './transaction.mapper';

// Namespace of the per-lane advisory locks (the second key is the lane).
const LANE_LOCK = 7_342_002;

@Injectable()
export class QueuedWorkPgRepository extends QueuedWorkRepository {
  private pending?: { count: number; at: number };

  constructor(private readonly db: DataSource) {
    super();
  }

  async insert(tx: Tx, items: Omit<QueuedWorkItem, 'seq'>[]): Promise<void> {
    if (!items.length) return;
    await sql(tx).query(
      `INSERT INTO queued_work (transaction_id, group_id, lane, run_at, options)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::jsonb[])`,
      [
        items.map((i) => i.row.transactionId),
        items.map((i) => i.groupId),
        items.map((i) => i.lane),
        items.map((i) => i.runAt.toISOString()),
        items.map((i) => stringifyJson(i.options)),
      ],
    );
  }

  async lockLane(tx: Tx, lane: number): Promise<void> {
    await sql(tx).query('SELECT pg_advisory_xact_lock($1, $2)', [LANE_LOCK, lane]);
  }

  async takeDue(tx: Tx, lane: number, now: Date, limit: number): Promise<QueuedWorkItem[]> {
    const cols = TRANSACTION_COLUMNS.split(',')
      .map((c) => `t.${c.trim()}`)
      .join(', ');
    const rows: (TransactionRow & {
      seq: string;
      group_id: string;
      lane: number;
      run_at: Date;
      options: QueuedOptions;
    })[] = await sql(tx).query(
      `WITH groups AS (
           SELECT group_id, min(seq) AS first FROM queued_work
           WHERE lane = $1 AND run_at <= $2 GROUP BY group_id ORDER BY first LIMIT $3)
         SELECT w.seq::text AS seq, w.group_id, w.lane, w.run_at, w.options, ${cols}
         FROM queued_work w JOIN groups g ON g.group_id = w.group_id
         JOIN transactions t ON t.transaction_id = w.transaction_id
         ORDER BY w.seq`,
      [lane, now, limit],
    );
    return rows.map((r) => ({
      seq: r.seq,
      row: toTransaction(r),
      groupId: r.group_id,
      lane: r.lane,
      runAt: r.run_at,
      options: r.options,
    }));
  }

  async remove(tx: Tx, transactionIds: string[]): Promise<void> {
    await sql(tx).query(`DELETE FROM queued_work WHERE transaction_id = ANY($1::text[])`, [
      transactionIds,
    ]);
  }

  async dueLanes(now: Date, olderThan?: Date): Promise<{ lane: number; count: number }[]> {
    const rows: { lane: number; count: number }[] = await this.db.query(
      `SELECT lane, count(*)::int AS count FROM queued_work
       WHERE run_at <= $1 AND ($2::timestamptz IS NULL OR created_at <= $2) GROUP BY lane ORDER BY lane`,
      [now, olderThan ?? null],
    );
    return rows;
  }

  async pendingCount(): Promise<number> {
    // Counted at most twice a second: back-pressure needs a level, not an exact figure.
    const now = Date.now();
    if (this.pending && now - this.pending.at < 500) return this.pending.count;
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM queued_work`);
    this.pending = { count: n, at: now };
    return n;
  }
}
