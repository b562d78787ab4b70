import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { stringifyJson } from '@libs/core/json';
import type { Tx } from '@libs/core/unit-of-work';
import { sql } from '@libs/persistence/tx';
import {
  NewWorkItem,
  QueuedOptions,
  DueWork,
  QueuedWorkItem,
  QueuedWorkRepository,
  TrackedBatch,
  WorkKind,
} from '../../application/queued/ports/queued-work.repository';
import { TRANSACTION_COLUMNS, TransactionRow, toTransaction } from './transaction.mapper';

// Namespace of the per-lane advisory locks (the second key is the lane).
const LANE_LOCK = 7_342_002;
// Namespace of per-id locks (commit / void requests for one hold).
const KEY_LOCK = 7_342_003;
// The lock that serializes checking the lane count.
const SETTINGS_LOCK = 7_342_004;

type WorkRow = TransactionRow & {
  seq: string;
  work_id: string;
  kind: WorkKind;
  work_transaction_id: string;
  group_id: string;
  lane: number;
  run_at: Date;
  options: QueuedOptions;
  attempts: number;
  trace_parent: string | null;
};

const T_COLUMNS = TRANSACTION_COLUMNS.split(',')
  .map((c) => `t.${c.trim()}`)
  .join(', ');
const W_COLUMNS = `w.seq::text AS seq, w.work_id, w.kind, w.transaction_id AS work_transaction_id,
  w.group_id, w.lane, w.run_at, w.options, w.attempts, w.trace_parent`;

function toItem(r: WorkRow): QueuedWorkItem {
  return {
    seq: r.seq,
    workId: r.work_id,
    kind: r.kind,
    row: r.kind === 'transaction' ? toTransaction(r) : undefined,
    transactionId: r.work_transaction_id,
    groupId: r.group_id,
    lane: r.lane,
    runAt: r.run_at,
    options: r.options,
    attempts: r.attempts,
    traceParent: r.trace_parent ?? undefined,
  };
}

@Injectable()
export class QueuedWorkPgRepository extends QueuedWorkRepository {
  private pending?: { count: number; at: number };

  constructor(private readonly db: DataSource) {
    super();
  }

  async insert(tx: Tx, items: NewWorkItem[]): Promise<void> {
    if (!items.length) return;
    await sql(tx).query(
      `INSERT INTO queued_work (work_id, kind, transaction_id, group_id, lane, run_at, options, source,
         destination, source_foreign, destination_foreign, credits, trace_parent)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[],
         $7::jsonb[], $8::text[], $9::text[], $10::boolean[], $11::boolean[], $12::jsonb[], $13::text[])`,
      [
        items.map((i) => i.workId),
        items.map((i) => i.kind),
        items.map((i) => i.transactionId),
        items.map((i) => i.groupId),
        items.map((i) => i.lane),
        items.map((i) => i.runAt.toISOString()),
        items.map((i) => stringifyJson(i.options)),
        items.map((i) => i.source ?? null),
        items.map((i) => i.destination ?? null),
        items.map((i) => i.sourceForeign ?? false),
        items.map((i) => i.destinationForeign ?? false),
        items.map((i) => (i.credits ? JSON.stringify(i.credits) : null)),
        items.map((i) => i.traceParent ?? null),
      ],
    );
  }

  async lockLane(tx: Tx, lane: number): Promise<void> {
    await sql(tx).query('SELECT pg_advisory_xact_lock($1, $2)', [LANE_LOCK, lane]);
  }

  async takeDue(tx: Tx, lane: number, now: Date, limit: number): Promise<DueWork> {
    const m = sql(tx);
    // Transactions up to the first due commit / void, whole groups, oldest first. Each item says
    // whether an earlier due transaction of another lane still has to debit the balance it
    // debits (then its group, and everything behind it in this lane, waits), or to credit it
    // (then the drain applies it only if it is not refused without that credit). A balance's own
    // debits go to its home lane, so from there only the foreign touches need looking at (a
    // partial index each, usually empty); a debit from outside the home lane (a multi-source
    // leg, an atomic batch) looks at every touch …
    const run: (WorkRow & { action_due: boolean; blocked: boolean; awaits_credit: boolean })[] =
      await m.query(
        `WITH first_action AS (
         SELECT min(seq) AS s FROM queued_work WHERE lane = $1 AND kind <> 'transaction'
           AND (run_at <= $2 OR NOT options ? 'scheduled')),
       groups AS (
         SELECT w.group_id, min(w.seq) AS first FROM queued_work w, first_action a
         WHERE w.lane = $1 AND w.run_at <= $2 AND w.kind = 'transaction' AND (a.s IS NULL OR w.seq < a.s)
         GROUP BY w.group_id ORDER BY first LIMIT $3)
       SELECT ${W_COLUMNS}, ${T_COLUMNS}, (SELECT s FROM first_action) IS NOT NULL AS action_due,
         CASE WHEN w.source_foreign THEN
           EXISTS (SELECT 1 FROM queued_work b WHERE b.kind = 'transaction' AND b.source = w.source
                   AND b.seq < g.first AND b.lane <> $1 AND b.run_at <= $2)
         ELSE
           EXISTS (SELECT 1 FROM queued_work b WHERE b.source_foreign AND b.source = w.source
                   AND b.seq < g.first AND b.lane <> $1 AND b.run_at <= $2)
         END AS blocked,
         CASE WHEN w.source_foreign THEN
           EXISTS (SELECT 1 FROM queued_work b WHERE b.kind = 'transaction' AND b.destination = w.source
                   AND b.seq < g.first AND b.lane <> $1 AND b.run_at <= $2)
         ELSE
           EXISTS (SELECT 1 FROM queued_work b WHERE b.destination_foreign AND b.destination = w.source
                   AND b.seq < g.first AND b.lane <> $1 AND b.run_at <= $2)
         END
         -- A commit or void, in another lane, that gives this balance funds (a client's counts
         -- even while postponed: it was accepted before this item).
         OR EXISTS (SELECT 1 FROM queued_work b WHERE b.kind <> 'transaction' AND b.credits ? w.source
                   AND b.seq < g.first AND b.lane <> $1
                   AND (b.run_at <= $2 OR NOT b.options ? 'scheduled')) AS awaits_credit
       FROM queued_work w JOIN groups g ON g.group_id = w.group_id
       JOIN transactions t ON t.transaction_id = w.transaction_id
       WHERE w.kind = 'transaction'
       ORDER BY g.first, w.seq`,
        [lane, now, limit],
      );
    if (run.length) {
      const blockedGroups = new Set(run.filter((r) => r.blocked).map((r) => r.group_id));
      const taken: typeof run = [];
      for (const r of run) {
        if (blockedGroups.has(r.group_id)) break;
        taken.push(r);
      }
      if (!taken.length) return { items: [], more: false, blocked: true };
      const groups = new Set(run.map((r) => r.group_id)).size;
      return {
        items: taken.map((r) => ({ ...toItem(r), awaitsCredit: r.awaits_credit })),
        more: taken.length < run.length || groups >= limit || run[0].action_due,
        blocked: false,
      };
    }
    // … or else the first due commit / void on its own.
    const action: WorkRow[] = await m.query(
      `SELECT ${W_COLUMNS} FROM queued_work w
       WHERE w.lane = $1 AND w.run_at <= $2 AND w.kind <> 'transaction' ORDER BY w.seq LIMIT 1`,
      [lane, now],
    );
    return { items: action.map(toItem), more: action.length > 0, blocked: false };
  }

  async groupItems(tx: Tx, groupId: string): Promise<QueuedWorkItem[]> {
    const rows: WorkRow[] = await sql(tx).query(
      `SELECT ${W_COLUMNS}, ${T_COLUMNS} FROM queued_work w
       LEFT JOIN transactions t ON t.transaction_id = w.transaction_id AND w.kind = 'transaction'
       WHERE w.group_id = $1 ORDER BY w.seq`,
      [groupId],
    );
    return rows.map(toItem);
  }

  async recordFailure(groupId: string, error: string): Promise<number> {
    const rows: { attempts: number }[] = await this.db.query(
      // Through a CTE: TypeORM answers a bare UPDATE … RETURNING with [rows, count].
      `WITH u AS (UPDATE queued_work SET attempts = attempts + 1, last_error = $2 WHERE group_id = $1
         RETURNING attempts) SELECT attempts FROM u`,
      [groupId, error.slice(0, 2000)],
    );
    return rows.reduce((n, r) => Math.max(n, r.attempts), 0);
  }

  async lockKey(tx: Tx, key: string): Promise<void> {
    await sql(tx).query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [KEY_LOCK, key]);
  }

  async postpone(tx: Tx, workId: string, runAt: Date): Promise<void> {
    await sql(tx).query(`UPDATE queued_work SET run_at = $2 WHERE work_id = $1`, [workId, runAt]);
  }

  async remove(tx: Tx, workIds: string[]): Promise<void> {
    await sql(tx).query(`DELETE FROM queued_work WHERE work_id = ANY($1::text[])`, [workIds]);
  }

  async pendingAction(tx: Tx, transactionId: string): Promise<boolean> {
    const rows: unknown[] = await sql(tx).query(
      // Expiry and auto-commit dates are not "a commit or void already queued".
      `SELECT 1 FROM queued_work WHERE transaction_id = $1 AND kind <> 'transaction' AND NOT options ? 'scheduled' LIMIT 1`,
      [transactionId],
    );
    return rows.length > 0;
  }

  async pendingHoldsDue(tx: Tx, id: string): Promise<Date | null> {
    // Only rows that will become holds: a commit or void of `id` has nothing to wait for in the
    // others (a batch may mix holds and transfers). `id` names a queued row or its group, or,
    // through the rows' columns, a queued request, a bulk batch (queued_parent) or a split
    // (parent_transaction of its legs, also inside a batch). Two probes, each on its own index.
    const [{ due }]: { due: Date | null }[] = await sql(tx).query(
      `SELECT least(
           (SELECT min(w.run_at) FROM queued_work w
              JOIN transactions t ON t.transaction_id = w.transaction_id
            WHERE w.kind = 'transaction' AND t.inflight
              AND (w.transaction_id = $1 OR w.group_id = $1)),
           (SELECT min(w.run_at) FROM transactions t
              JOIN queued_work w ON w.transaction_id = t.transaction_id
            WHERE w.kind = 'transaction' AND t.inflight
              AND (t.queued_parent = $1 OR t.parent_transaction = $1))) AS due`,
      [id],
    );
    return due === null ? null : new Date(due);
  }

  async pendingHoldEnds(tx: Tx, id: string): Promise<{ source: string; destination: string }[]> {
    return sql(tx).query(
      `SELECT t.source, t.destination FROM queued_work w
       JOIN transactions t ON t.transaction_id = w.transaction_id
       WHERE w.kind = 'transaction' AND t.inflight
         AND (t.transaction_id = $1 OR t.parent_transaction = $1 OR t.queued_parent = $1 OR w.group_id = $1)`,
      [id],
    );
  }

  async dueLanes(now: Date, olderThan?: Date): Promise<{ lane: number; count: number }[]> {
    const rows: { lane: number; count: number }[] = await this.db.query(
      `SELECT lane, count(*)::int AS count FROM queued_work
       WHERE run_at <= $1 AND ($2::timestamptz IS NULL OR created_at <= $2) GROUP BY lane ORDER BY lane`,
      [now, olderThan ?? null],
    );
    return rows;
  }

  async queuedDebits(tx: Tx, balanceIds: string[]): Promise<Map<string, bigint>> {
    const rows: { source: string; total: string }[] = await sql(tx).query(
      `SELECT w.source, sum(t.precise_amount)::text AS total
       FROM queued_work w JOIN transactions t ON t.transaction_id = w.transaction_id
       WHERE w.kind = 'transaction' AND t.status = 'QUEUED' AND w.source = ANY($1::text[]) GROUP BY w.source`,
      [balanceIds],
    );
    return new Map(rows.map((r) => [r.source, BigInt(r.total)]));
  }

  async queuedAmounts(balanceId: string): Promise<{ debit: bigint; credit: bigint }> {
    // Pending QUEUED rows that debit or credit the balance (reference §5.5.6); SCHEDULED rows
    // are not counted, due or not.
    const [r]: { debit: string; credit: string }[] = await this.db.query(
      `SELECT COALESCE(sum(t.precise_amount) FILTER (WHERE w.source = $1), 0)::text AS debit,
              COALESCE(sum(t.precise_amount) FILTER (WHERE w.destination = $1), 0)::text AS credit
       FROM queued_work w JOIN transactions t ON t.transaction_id = w.transaction_id
       WHERE w.kind = 'transaction' AND (w.source = $1 OR w.destination = $1) AND t.status = 'QUEUED'`,
      [balanceId],
    );
    return { debit: BigInt(r.debit), credit: BigInt(r.credit) };
  }

  async pendingCount(): Promise<number> {
    // Counted at most twice a second: back-pressure needs a level, not an exact figure.
    const now = Date.now();
    if (this.pending && now - this.pending.at < 500) return this.pending.count;
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM queued_work`);
    this.pending = { count: n, at: now };
    return n;
  }

  async claimLaneCount(lanes: number): Promise<void> {
    await this.db.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock($1)', [SETTINGS_LOCK]);
      const [stored]: { value: string }[] = await m.query(
        `SELECT value FROM engine_settings WHERE key = 'number_of_queues'`,
      );
      if (stored && Number(stored.value) === lanes) return;
      if (!stored) {
        // A database from before the count was recorded: its pending work must at least fit.
        const [{ top }] = await m.query(`SELECT max(lane) AS top FROM queued_work`);
        if (top !== null && top >= lanes) {
          throw new Error(
            `queue.number_of_queues is ${lanes}, but pending queued work uses lane ${top}: ` +
              `start with at least ${top + 1} lanes until the queue is empty, then change it`,
          );
        }
      } else {
        const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM queued_work`);
        if (n > 0) {
          throw new Error(
            `queue.number_of_queues is ${lanes}, but ${n} queued work items were routed over ` +
              `${stored.value} lanes: start with number_of_queues = ${stored.value} until the queue ` +
              `is empty, then change it`,
          );
        }
      }
      await m.query(
        `INSERT INTO engine_settings (key, value) VALUES ('number_of_queues', $1)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
        [String(lanes)],
      );
    });
  }

  async recordBatch(tx: Tx, b: TrackedBatch): Promise<void> {
    await sql(tx).query(
      `INSERT INTO bulk_batches (batch_id, item_count, inflight, atomic, run_async)
       VALUES ($1, $2, $3, $4, $5)`,
      [b.batchId, b.count, b.inflight, b.atomic, b.runAsync],
    );
  }

  async finishBatches(): Promise<number> {
    // One statement: a concurrent finisher waits on the row lock, then sees finished_at set.
    // A batch's rows and work are written in one transaction and its work is deleted with its
    // outcomes, so "no work left" means every outcome has committed.
    const rows: unknown[] = await this.db.query(
      `WITH f AS (UPDATE bulk_batches b SET finished_at = now(),
         rejected_count = (SELECT count(*) FROM transactions t
           WHERE t.batch_id = b.batch_id AND t.status = 'REJECTED'),
         error = (SELECT t.rejection_reason FROM transactions t
           WHERE t.batch_id = b.batch_id AND t.status = 'REJECTED'
           ORDER BY t.sequence NULLS LAST, t.created_at LIMIT 1)
       WHERE b.finished_at IS NULL AND NOT EXISTS (
         SELECT 1 FROM transactions t JOIN queued_work w ON w.transaction_id = t.transaction_id
         WHERE t.batch_id = b.batch_id AND t.status IN ('QUEUED', 'SCHEDULED')
           AND w.kind = 'transaction')
       RETURNING b.batch_id) SELECT batch_id FROM f`,
    );
    return rows.length;
  }
}
