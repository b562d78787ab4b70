import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CollectionName, SearchDocument } from '../../domain/collections';
import { SearchDocuments } from '../../application/ports/search-documents';
import { toDocument } from './search-documents.mapper';
import { positionColumns, selectList, Source, SOURCES } from './search-sources';

/** The resume point of a phase that has not read anything yet (what the reindex store starts at). */
const START = '0';
/**
 * A `time_key` resume point is `[time, key]` of the last row behind this mark, so that no key
 * (not even one spelled '0') is mistaken for the start; a bigint position is the number itself.
 * The time is written to the microsecond in UTC, so it reads back as the same instant.
 */
const MARK = '>';
const UTC_MICROS = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

interface Scan {
  /** The select list's position column(s). */
  select: string;
  where: string;
  params: unknown[];
  /** The resume point of a row of the scan. */
  positionOf: (row: Record<string, unknown>) => string;
}

function scanOf(s: Source, position: string): Scan {
  const p = s.position;
  if (p.type === 'bigint') {
    return {
      select: `t."${p.column}"::text AS _pos`,
      where: `t."${p.column}" > $1::bigint`,
      params: [position],
      positionOf: (r) => String(r._pos),
    };
  }
  const select = `to_char(t."${p.time}" AT TIME ZONE 'UTC', ${UTC_MICROS}) AS _pos, t."${p.key}" AS _key`;
  const positionOf = (r: Record<string, unknown>) => MARK + JSON.stringify([r._pos, r._key]);
  if (position === START) return { select, where: 'TRUE', params: [], positionOf };
  if (!position.startsWith(MARK)) throw new Error(`bad resume point for ${s.table}`);
  const [time, key] = JSON.parse(position.slice(MARK.length)) as [string, string];
  return {
    select,
    where: `(${positionColumns(s).join(', ')}) > ($1::timestamptz, $2::text)`,
    params: [time, key],
    positionOf,
  };
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
      // In the order a rebuild walks the table: Typesense ranks ties by arrival, so documents
      // first indexed in one round must arrive as a rebuild would send them (and as the
      // PostgreSQL fallback's newestFirst breaks the tie), not in whatever order the plan gives.
      `SELECT ${selectList(s)} FROM ${s.table} t WHERE t."${s.entityId}" = ANY($1::text[])
       ORDER BY ${positionColumns(s).join(', ')}`,
      [ids],
    );
    for (const r of rows) {
      const d = toDocument(collection, s, r);
      out.set(d.id, d);
    }
    return out;
  }

  /** Walks the table in the order of its position (a unique index), `limit` rows at a time. */
  async scan(collection: CollectionName, position: string, limit: number) {
    const s = SOURCES[collection];
    const scan = scanOf(s, position);
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT ${scan.select}, ${selectList(s)} FROM ${s.table} t
       WHERE ${scan.where} ORDER BY ${positionColumns(s).join(', ')}
       LIMIT $${scan.params.length + 1}`,
      [...scan.params, limit],
    );
    return {
      docs: rows.map((r) => toDocument(collection, s, r)),
      last: rows.length ? scan.positionOf(rows[rows.length - 1]) : undefined,
    };
  }

  async count(collection: CollectionName): Promise<number> {
    const s = SOURCES[collection];
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM ${s.table}`);
    return n;
  }
}
