import type { SearchRequest } from '../domain/search-request';
import type { FacetCount, SearchHit, SearchResult } from './ports/search-index';

/**
 * The result as Typesense shapes it, with `include_fields` / `exclude_fields` applied to each
 * document (here, so both adapters trim alike).
 */
export function shapeResult(
  req: SearchRequest,
  r: { found: number; outOf: number; hits: SearchHit[]; facets: FacetCount[]; started: number },
): SearchResult {
  return {
    facet_counts: r.facets,
    found: r.found,
    hits: r.hits.map((h) => ({ ...h, document: trim(req, h.document) })),
    out_of: r.outOf,
    page: req.page,
    request_params: { collection_name: req.collection.name, per_page: req.perPage, q: req.q },
    search_cutoff: false,
    search_time_ms: Date.now() - r.started,
  };
}

function trim<T extends Record<string, unknown>>(req: SearchRequest, doc: T): T {
  const top = (names: string[]) => new Set(names.map((n) => n.split('.')[0]));
  const keep = req.includeFields ? top(req.includeFields) : undefined;
  const drop = new Set(req.excludeFields.filter((n) => !n.includes('.')));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (keep && !keep.has(k)) continue;
    if (drop.has(k)) continue;
    out[k] = v;
  }
  return out as T;
}
