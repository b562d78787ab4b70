import type { Highlight } from '../../domain/text-match';
import type { SearchDocument } from '../../domain/collections';
import type { SearchRequest } from '../../domain/search-request';

export interface FacetCount {
  field_name: string;
  counts: { count: number; highlighted: string; value: string }[];
  stats: { total_values: number };
}

export interface SearchHit {
  document: SearchDocument;
  highlight: Record<string, unknown>;
  highlights: Highlight[];
  text_match: number;
}

/** Typesense's search result shape (reference §2.9). */
export interface SearchResult {
  facet_counts: FacetCount[];
  found: number;
  hits: SearchHit[];
  out_of: number;
  page: number;
  request_params: { collection_name: string; per_page: number; q: string };
  search_cutoff: boolean;
  search_time_ms: number;
}

/** Where searches are answered: Typesense when configured, PostgreSQL otherwise. */
export abstract class SearchIndex {
  /**
   * Runs one validated request.
   * @throws DomainError SRCH_QUERY_INVALID when the backend refuses the request,
   *   SRCH_FAILED when the backend cannot be reached.
   */
  abstract search(req: SearchRequest): Promise<SearchResult>;
}
