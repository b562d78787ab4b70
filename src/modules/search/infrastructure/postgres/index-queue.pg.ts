import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { REINDEX_ORDER } from '../../domain/reindex';
import { IndexQueue, QueuedEntity } from '../../application/ports/index-queue';
import { positionColumns, SOURCES } from './search-sources';

/** `search_index_queue` and the lease in `search_feed` (migration 1733750000000). */
@Injectable()
export class PgIndexQueue extends IndexQueue {
  constructor(private readonly db: DataSource) {
    super();
  }

  async setEnabled(enabled: boolean): Promise<boolean> {
    // Only the process that flips the flag sees a row: two starting at once queue things once.
    const rows: unknown[] = await this.db.query(
      `WITH u AS (UPDATE search_feed SET enabled = $1 WHERE enabled <> $1 RETURNING 1)
       SELECT * FROM u`,
      [enabled],
    );
    return enabled && rows.length > 0;
  }

  async lease(ms: number): Promise<string | undefined> {
    const rows: { until: string }[] = await this.db.query(
      `WITH u AS (UPDATE search_feed SET lease_until = clock_timestamp() + $1 * interval '1 millisecond'
         WHERE lease_until IS NULL OR lease_until < now() RETURNING lease_until::text AS until)
       SELECT * FROM u`,
      [ms],
    );
    return rows[0]?.until;
  }

  async release(lease: string): Promise<void> {
    // Only this holder's: a round that outlived its lease must not free the next holder's.
    await this.db.query(`UPDATE search_feed SET lease_until = NULL WHERE lease_until::text = $1`, [
      lease,
    ]);
  }

  async peek(limit: number): Promise<QueuedEntity[]> {
    const rows: { seq: string; collection: string; entity_id: string }[] = await this.db.query(
      `SELECT seq::text, collection, entity_id FROM search_index_queue ORDER BY seq LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      seq: r.seq,
      collection: r.collection as QueuedEntity['collection'],
      entityId: r.entity_id,
    }));
  }

  async done(seqs: string[]): Promise<void> {
    if (seqs.length) {
      await this.db.query(`DELETE FROM search_index_queue WHERE seq = ANY($1::bigint[])`, [seqs]);
    }
  }

  async enqueueAll(): Promise<number> {
    // One statement per collection, in dependency order, in one transaction: the seqs follow
    // that order, each table in the order of its position (as a reindex writes it).
    return this.db.transaction(async (m) => {
      let n = 0;
      for (const c of REINDEX_ORDER) {
        const s = SOURCES[c];
        const rows: { n: number }[] = await m.query(
          `WITH i AS (INSERT INTO search_index_queue (collection, entity_id)
             SELECT $1, t."${s.entityId}" FROM ${s.table} t ORDER BY ${positionColumns(s)}
             RETURNING 1) SELECT count(*)::int AS n FROM i`,
          [c],
        );
        n += rows[0].n;
      }
      return n;
    });
  }

  async pending(): Promise<number> {
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM search_index_queue`);
    return n;
  }
}
