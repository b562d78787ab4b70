import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SCHEMA } from '@libs/persistence/schema';
import { DatabaseProbe } from '../../application/ports/database-probe';

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
}
