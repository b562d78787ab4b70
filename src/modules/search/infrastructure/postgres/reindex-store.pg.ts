import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ReindexRun, ReindexStatus } from '../../domain/reindex';
import { ReindexStore } from '../../application/ports/reindex-store';

interface Row {
  status: string;
  phase: string;
  total_records: string;
  processed_records: string;
  errors: string[] | string;
  batch_size: number;
  position: string;
  started_at: Date;
  completed_at: Date | null;
  paused_at: Date | null;
  pause_reason: string | null;
}

const COLUMNS = `status, phase, total_records::text, processed_records::text, errors, batch_size,
  position, started_at, completed_at, paused_at, pause_reason`;

function toRun(r: Row): ReindexRun {
  return {
    status: r.status as ReindexStatus,
    phase: r.phase,
    totalRecords: Number(r.total_records),
    processedRecords: Number(r.processed_records),
    errors: typeof r.errors === 'string' ? (JSON.parse(r.errors) as string[]) : r.errors,
    batchSize: r.batch_size,
    position: r.position,
    startedAt: new Date(r.started_at),
    completedAt: r.completed_at ? new Date(r.completed_at) : undefined,
    pausedAt: r.paused_at ? new Date(r.paused_at) : undefined,
    pauseReason: r.pause_reason ?? undefined,
  };
}

/** `search_reindex` (migration 1733750000000): one row, the latest run. */
@Injectable()
export class PgReindexStore extends ReindexStore {
  constructor(private readonly db: DataSource) {
    super();
  }

  async start(run: {
    batchSize: number;
    totalRecords: number;
    phase: string;
    status: 'in_progress' | 'completed';
  }): Promise<{ started: boolean; run: ReindexRun }> {
    // The row lock of ON CONFLICT serializes two starts; the loser re-reads in_progress and
    // updates nothing.
    const rows: Row[] = await this.db.query(
      `INSERT INTO search_reindex AS r (id, status, phase, total_records, batch_size, completed_at)
       VALUES (true, $1, $2, $3, $4, CASE WHEN $1 = 'completed' THEN now() END)
       ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, phase = EXCLUDED.phase,
         total_records = EXCLUDED.total_records, processed_records = 0, errors = '[]',
         batch_size = EXCLUDED.batch_size, position = '0', started_at = now(),
         completed_at = EXCLUDED.completed_at, paused_at = NULL, pause_reason = NULL
       WHERE r.status <> 'in_progress'
       RETURNING ${COLUMNS}`,
      [run.status, run.phase, run.totalRecords, run.batchSize],
    );
    if (rows.length) return { started: true, run: toRun(rows[0]) };
    const current = await this.current();
    return { started: false, run: current! };
  }

  async current(): Promise<ReindexRun | undefined> {
    const rows: Row[] = await this.db.query(`SELECT ${COLUMNS} FROM search_reindex`);
    return rows.length ? toRun(rows[0]) : undefined;
  }

  async advance(
    from: { phase: string; position: string },
    to: { phase: string; position: string },
    written: number,
  ): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `WITH u AS (UPDATE search_reindex SET phase = $3, position = $4,
         processed_records = processed_records + $5,
         total_records = GREATEST(total_records, processed_records + $5),
         paused_at = NULL, pause_reason = NULL
       WHERE status = 'in_progress' AND phase = $1 AND position = $2 RETURNING 1)
       SELECT * FROM u`,
      [from.phase, from.position, to.phase, to.position, written],
    );
    return rows.length > 0;
  }

  async pause(reason: string | undefined): Promise<void> {
    await this.db.query(
      `UPDATE search_reindex SET pause_reason = $1::text,
         paused_at = CASE WHEN $1::text IS NULL THEN NULL ELSE coalesce(paused_at, now()) END
       WHERE status = 'in_progress'`,
      [reason ?? null],
    );
  }

  async finish(status: 'completed' | 'failed', error?: string): Promise<void> {
    await this.db.query(
      `UPDATE search_reindex SET status = $1,
         phase = CASE WHEN $1 = 'completed' THEN 'completed' ELSE phase END,
         completed_at = now(), paused_at = NULL, pause_reason = NULL,
         errors = CASE WHEN $2::text IS NULL THEN errors ELSE errors || jsonb_build_array($2::text) END
       WHERE status = 'in_progress'`,
      [status, error ?? null],
    );
  }
}
