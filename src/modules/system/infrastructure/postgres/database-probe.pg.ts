import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SCHEMA } from '@libs/persistence/schema';
import { DatabaseProbe, LaneBacklog, PoolUsage } from '../../application/ports/database-probe';

@Injectable()
export class DatabaseProbePg extends DatabaseProbe {
  constructor(private readonly db: DataSource) {
    super();
  }

  async ping(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const query = this.db
      .query('SELECT 1')
      .then(() => true)
      .catch(() => false);
    try {
      return await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async pendingMigrations(): Promise<string[]> {
    const applied: { name: string }[] = await this.db.query(
      `SELECT name FROM ${SCHEMA}.neraca_migrations`,
    );
    const done = new Set(applied.map((m) => m.name));
    return this.db.migrations
      .map((m) => m.name ?? m.constructor.name)
      .filter((name) => !done.has(name));
  }

  async pendingWork(): Promise<number> {
    const [{ n }] = (await this.db.query(`SELECT count(*)::int AS n FROM queued_work`)) as {
      n: number;
    }[];
    return n;
  }

  async laneBacklog(): Promise<LaneBacklog[]> {
    const rows: { lane: number; depth: number; age: number }[] = await this.db.query(
      `SELECT lane, count(*)::int AS depth,
              COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS age
       FROM queued_work GROUP BY lane ORDER BY lane`,
    );
    return rows.map((r) => ({ lane: r.lane, depth: r.depth, oldestAgeSeconds: r.age }));
  }

  async webhookOutcomes(): Promise<Record<string, number>> {
    const rows: { status: string; n: number }[] = await this.db.query(
      `SELECT status, count(*)::int AS n FROM event_outbox GROUP BY status`,
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  poolUsage(): PoolUsage {
    // pg's Pool behind TypeORM's driver (`master`); absent before initialize.
    const pool = (this.db.driver as unknown as { master?: PgPool }).master;
    return {
      max: pool?.options?.max ?? 0,
      total: pool?.totalCount ?? 0,
      idle: pool?.idleCount ?? 0,
      waiting: pool?.waitingCount ?? 0,
    };
  }
}

interface PgPool {
  options?: { max?: number };
  totalCount?: number;
  idleCount?: number;
  waitingCount?: number;
}
