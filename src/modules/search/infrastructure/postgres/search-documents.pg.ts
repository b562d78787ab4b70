import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CollectionName, SearchDocument } from '../../domain/collections';
import { SearchDocuments } from '../../application/ports/search-documents';
import { toDocument } from './search-documents.mapper';
import { selectList, SOURCES } from './search-sources';

/** Documents read from the tables with the same select list the PostgreSQL search uses. */
@Injectable()
export class PgSearchDocuments extends SearchDocuments {
  constructor(private readonly db: DataSource) {
    super();
  }

  async load(collection: CollectionName, ids: string[]): Promise<Map<string, SearchDocument>> {
    const s = SOURCES[collection];
    const out = new Map<string, SearchDocument>();
    if (!s || !ids.length) return out;
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT ${selectList(s)} FROM ${s.table} t WHERE t."${s.entityId}" = ANY($1::text[])`,
      [ids],
    );
    for (const r of rows) {
      const d = toDocument(collection, s, r);
      out.set(d.id, d);
    }
    return out;
  }

  async scan(collection: CollectionName, after: string, limit: number) {
    const s = SOURCES[collection];
    if (!s) return { docs: [], last: undefined };
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT t.id::text AS _pos, ${selectList(s)} FROM ${s.table} t
       WHERE t.id > $1::bigint ORDER BY t.id LIMIT $2`,
      [after, limit],
    );
    return {
      docs: rows.map((r) => toDocument(collection, s, r)),
      last: rows.length ? String(rows[rows.length - 1]._pos) : undefined,
    };
  }

  async count(collection: CollectionName): Promise<number> {
    const s = SOURCES[collection];
    if (!s) return 0;
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM ${s.table}`);
    return n;
  }
}
