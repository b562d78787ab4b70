import type { DataSource, EntityManager } from 'typeorm';
import type { ListQuery } from '@libs/core/list-query';
import { compileListQuery } from './filter/compile-list-query';
import type { TableSpec } from './filter/table-spec';

export interface ListResult<R> {
  rows: R[];
  totalCount?: number;
}

/**
 * Runs a list query against one table: filters, ordering, paging, and the window count when the
 * caller asked for it (one round trip either way).
 */
export async function runListQuery<R>(
  db: DataSource | EntityManager,
  spec: TableSpec,
  q: ListQuery,
): Promise<ListResult<R>> {
  const c = compileListQuery(spec, q);
  const alias = spec.alias ?? spec.table;
  const count = q.includeCount ? ', count(*) OVER () AS __total_count' : '';
  const rows: (R & { __total_count?: string })[] = await db.query(
    `SELECT ${alias}.*${count} FROM ${spec.table} ${alias} ${c.where} ORDER BY ${c.orderBy} LIMIT ${c.limit} OFFSET ${c.offset}`,
    c.params,
  );
  if (!q.includeCount) return { rows };
  const totalCount = rows.length ? Number(rows[0].__total_count) : undefined;
  for (const r of rows) delete r.__total_count;
  return { rows, totalCount };
}
