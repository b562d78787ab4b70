import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { SearchDocument } from '../../domain/collections';
import type { SearchRequest } from '../../domain/search-request';
import { highlightsOf, MatchPass, TEXT_MATCH, typoBudget } from '../../domain/text-match';
import { FacetCount, SearchIndex, SearchResult } from '../../application/ports/search-index';
import { shapeResult } from '../../application/result-shape';
import { SOURCES, selectList } from './search-sources';
import { toDocument } from './search-documents.mapper';
import { SearchSql } from './search-sql';

/**
 * Search without Typesense: the request runs as SQL over the live tables, so a row is
 * searchable the moment it commits. A pass without typos runs first; only when it finds nothing
 * does the typo pass run (Typesense's order).
 */
@Injectable()
export class PgSearchIndex extends SearchIndex {
  constructor(private readonly db: DataSource) {
    super();
  }

  async search(req: SearchRequest): Promise<SearchResult> {
    const started = Date.now();
    const source = SOURCES[req.collection.name];
    let pass: MatchPass = 'exact';
    let sql = new SearchSql(source, req);
    let where = sql.where(pass);
    let found = await this.count(source.table, where, sql.params);
    const canTypo = req.tokens.some((t) => typoBudget(t, req.numTypos) > 0);
    if (found === 0 && req.tokens.length && canTypo) {
      pass = 'typo';
      sql = new SearchSql(source, req);
      where = sql.where(pass);
      found = await this.count(source.table, where, sql.params);
    }
    const [{ n: outOf }] = await this.db.query(`SELECT count(*)::int AS n FROM ${source.table}`);
    const docs: SearchDocument[] = [];
    if (found > 0 && req.perPage > 0) {
      const rows: Record<string, unknown>[] = await this.db.query(
        `SELECT ${selectList(source)} FROM ${source.table} t WHERE ${where}
         ORDER BY ${sql.orderBy()} LIMIT ${req.perPage} OFFSET ${(req.page - 1) * req.perPage}`,
        sql.params,
      );
      docs.push(...rows.map((r) => toDocument(req.collection.name, source, r)));
    }
    const facets: FacetCount[] = [];
    for (const field of req.facetBy) {
      const value = sql.facet(field);
      const rows: { value: string; count: number; total: number }[] = await this.db.query(
        `SELECT value, count, total FROM (
           SELECT ${value} AS value, count(*)::int AS count, count(*) OVER ()::int AS total
           FROM ${source.table} t WHERE (${where}) AND ${value} IS NOT NULL AND ${value} <> ''
           GROUP BY 1) f
         ORDER BY count DESC, value ASC LIMIT ${req.maxFacetValues}`,
        sql.params,
      );
      facets.push({
        field_name: field,
        counts: rows.map((r) => ({ count: r.count, highlighted: r.value, value: r.value })),
        stats: { total_values: rows[0]?.total ?? 0 },
      });
    }
    const o = { pass, prefix: req.prefix, numTypos: req.numTypos };
    const hits = docs.map((document) => ({
      document,
      highlight: {},
      highlights: highlightsOf(document, req.queryBy, req.tokens, o),
      text_match: req.tokens.length ? TEXT_MATCH[pass] : 100,
    }));
    return shapeResult(req, { found, outOf, hits, facets, started });
  }

  private async count(table: string, where: string, params: unknown[]): Promise<number> {
    const [{ n }] = await this.db.query(
      `SELECT count(*)::int AS n FROM ${table} t WHERE ${where}`,
      params,
    );
    return n;
  }
}
