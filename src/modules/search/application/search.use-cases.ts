import { Injectable } from '@nestjs/common';
import { DomainError } from '@libs/core/domain-error';
import { COLLECTIONS, isCollection } from '../domain/collections';
import { quote } from '../domain/filter-by';
import { parseSearchRequest } from '../domain/search-request';
import { queryInvalid } from '../domain/search.errors';
import { SearchIndex, SearchResult } from './ports/search-index';

const MAX_SEARCHES = 20;

/** The outcome of one search of a multi-search: a result, or Typesense's per-search error. */
export type MultiSearchItem = SearchResult | { code: number; error: string };

@Injectable()
export class SearchUseCases {
  constructor(private readonly index: SearchIndex) {}

  /** @throws DomainError SRCH_QUERY_INVALID naming the parameter; SRCH_FAILED */
  async search(collection: string, body: unknown): Promise<SearchResult> {
    if (!isCollection(collection)) {
      throw queryInvalid('collection', `unknown collection ${quote(collection)}`);
    }
    return this.index.search(parseSearchRequest(COLLECTIONS[collection], body));
  }

  /**
   * `{"searches": [...]}`: each search is answered on its own, and one that is invalid gets
   * `{code, error}` in its place, as Typesense's multi_search does.
   * @throws DomainError SRCH_QUERY_INVALID when the body itself is malformed.
   */
  async multiSearch(body: unknown): Promise<{ results: MultiSearchItem[] }> {
    const searches = (body as { searches?: unknown } | null)?.searches;
    if (!Array.isArray(searches)) throw queryInvalid('searches', 'must be a list of searches');
    if (searches.length > MAX_SEARCHES) {
      throw queryInvalid('searches', `at most ${MAX_SEARCHES} searches`);
    }
    const results: MultiSearchItem[] = [];
    for (const s of searches) {
      if (typeof s !== 'object' || s === null || Array.isArray(s)) {
        results.push({ code: 400, error: 'searches: each search must be an object' });
        continue;
      }
      const { collection, ...params } = s as Record<string, unknown>;
      try {
        results.push(await this.search(typeof collection === 'string' ? collection : '', params));
      } catch (e) {
        if (!(e instanceof DomainError) || e.code !== 'SRCH_QUERY_INVALID') throw e;
        results.push({ code: 400, error: e.message });
      }
    }
    return { results };
  }
}
