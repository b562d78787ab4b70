import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CollectionName, SearchDocument } from '../../domain/collections';
import { SearchDocuments } from '../../application/ports/search-documents';
import { toDocument } from './search-documents.mapper';
import { selectList, Source, SOURCES } from './search-sources';

/** The resume point of a phase that has not read anything yet (what the reindex store starts at). */
const START = '0';
/**
 * A text key's resume point is the last key behind this mark, so that no key (not even one
 * spelled '0') is mistaken for the start; a bigint position is the number itself.
 */
const TEXT_MARK = '>';

/** The scan condition after `after` and its bound value. */
function after(s: Source, position: string): { where: string; value: unknown } {
  const col = `t."${s.position.column}"`;
  if (s.position.type === 'bigint') return { where: `${col} > $1::bigint`, value: position };
  if (position === START) return { where: `$1::text IS NULL`, value: null };
  if (!position.startsWith(TEXT_MARK)) throw new Error(`bad resume point for ${s.table}`);
  return { where: `${col} > $1::text`, value: position.slice(TEXT_MARK.length) };
}

/** Documents read from the tables with the same select list the PostgreSQL search uses. */
@Injectable()
export class PgSearchDocuments extends SearchDocuments {
  constructor(private readonly db: DataSource) {
    super();
  }

  async load(collection: CollectionName, ids: string[]): Promise<Map<string, SearchDocument>> {
    const s = SOURCES[collection];
    const out = new Map<string, SearchDocument>();
    if (!ids.length) return out;
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

  /** Walks the table in the order of its position column (its unique index), `limit` at a time. */
  async scan(collection: CollectionName, position: string, limit: number) {
    const s = SOURCES[collection];
    const col = `t."${s.position.column}"`;
    const a = after(s, position);
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT ${col}::text AS _pos, ${selectList(s)} FROM ${s.table} t
       WHERE ${a.where} ORDER BY ${col} LIMIT $2`,
      [a.value, limit],
    );
    const last = rows.length ? String(rows[rows.length - 1]._pos) : undefined;
    return {
      docs: rows.map((r) => toDocument(collection, s, r)),
      last: last === undefined || s.position.type === 'bigint' ? last : TEXT_MARK + last,
    };
  }

  async count(collection: CollectionName): Promise<number> {
    const s = SOURCES[collection];
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM ${s.table}`);
    return n;
  }
}
