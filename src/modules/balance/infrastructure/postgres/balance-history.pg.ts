import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '@libs/core/unit-of-work';
import { sql } from '@libs/persistence/tx';
import {
  BalanceHistory,
  SettledTotals,
  SnapshotBatch,
} from '../../application/ports/balance-history';

// Namespace of the advisory lock that makes snapshot batches of several processes take turns.
const SNAPSHOT_LOCK = 7_342_201;

// Σ of one side of a balance's applied rows in an effective-time range: a range scan of the
// partial indexes of the snapshot migration (amount included in the index).
const side = (column: 'source' | 'destination', balance: string, from: string, to: string) => `
  SELECT COALESCE(sum(t.precise_amount), 0) FROM transactions t
   WHERE t.${column} = ${balance} AND t.status = 'APPLIED'
     AND COALESCE(t.effective_date, t.created_at) > ${from}
     AND COALESCE(t.effective_date, t.created_at) <= ${to}`;

export const SETTLED_AT_SQL = `
  SELECT (COALESCE(s.credit_balance, 0) + (${side('destination', '$1', 'COALESCE(s.snapshot_time, $4)', '$2')}))::text AS credit,
         (COALESCE(s.debit_balance, 0) + (${side('source', '$1', 'COALESCE(s.snapshot_time, $4)', '$2')}))::text AS debit
    FROM (SELECT 1) one
    LEFT JOIN LATERAL (
      SELECT snapshot_time, credit_balance, debit_balance FROM balance_snapshots
       WHERE balance_id = $1 AND snapshot_time <= $2::timestamptz AND NOT $3::boolean
       ORDER BY snapshot_time DESC LIMIT 1) s ON true`;

// The balance now, less its applied rows effective after the snapshot time: Σ of its rows
// effective at or before it. Skipped when the newest earlier snapshot holds the same sums (no
// row moved it since, so that snapshot serves as well).
const INSERT_SNAPSHOTS_SQL = `
  INSERT INTO balance_snapshots
    (balance_id, ledger_id, currency, balance, credit_balance, debit_balance, snapshot_time, snapshot_day)
  SELECT v.balance_id, v.ledger_id, v.currency, v.credit - v.debit, v.credit, v.debit,
         $2::timestamptz, ($2::timestamptz AT TIME ZONE 'UTC')::date
    FROM (
      SELECT b.balance_id, b.ledger_id, b.currency,
             b.credit_balance - (${side('destination', 'b.balance_id', '$2::timestamptz', "'infinity'")}) AS credit,
             b.debit_balance - (${side('source', 'b.balance_id', '$2::timestamptz', "'infinity'")}) AS debit
        FROM balances b WHERE b.balance_id = ANY($1::text[])) v
    LEFT JOIN LATERAL (
      SELECT credit_balance, debit_balance FROM balance_snapshots p
       WHERE p.balance_id = v.balance_id AND p.snapshot_time <= $2::timestamptz
       ORDER BY p.snapshot_time DESC LIMIT 1) prev ON true
   WHERE (COALESCE(prev.credit_balance, 0), COALESCE(prev.debit_balance, 0))
         IS DISTINCT FROM (v.credit, v.debit)
  ON CONFLICT (balance_id, snapshot_day) DO NOTHING
  RETURNING balance_id`;

@Injectable()
export class BalanceHistoryPg extends BalanceHistory {
  constructor(private readonly db: DataSource) {
    super();
  }

  async settledAt(balanceId: string, at: string, fromSource: boolean): Promise<SettledTotals> {
    const [row] = (await this.db.query(SETTLED_AT_SQL, [
      balanceId,
      at,
      fromSource,
      '-infinity',
    ])) as { credit: string; debit: string }[];
    return { credit: BigInt(row.credit), debit: BigInt(row.debit) };
  }

  async snapshotBatch(tx: Tx, after: string, limit: number, at: Date): Promise<SnapshotBatch> {
    const q = sql(tx);
    await q.query('SELECT pg_advisory_xact_lock($1)', [SNAPSHOT_LOCK]);
    // Its own statement: the next one then reads with a snapshot taken after every lock was
    // granted, so a writer that held one of these rows is committed and seen.
    const picked = (await q.query(
      `SELECT b.balance_id FROM balances b
        WHERE b.balance_id > $1
          AND NOT EXISTS (SELECT 1 FROM balance_snapshots s
                           WHERE s.balance_id = b.balance_id
                             AND s.snapshot_day = ($3::timestamptz AT TIME ZONE 'UTC')::date)
        ORDER BY b.balance_id LIMIT $2
        FOR SHARE OF b`,
      [after, limit, at.toISOString()],
    )) as { balance_id: string }[];
    if (!picked.length) return { last: null, picked: 0, written: 0 };
    const ids = picked.map((r) => r.balance_id);
    const written = (await q.query(INSERT_SNAPSHOTS_SQL, [ids, at.toISOString()])) as unknown[];
    return { last: ids[ids.length - 1], picked: ids.length, written: written.length };
  }
}
