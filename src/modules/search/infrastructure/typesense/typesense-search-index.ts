import { Injectable } from '@nestjs/common';
import type { Client } from 'typesense';
import { stringifyJson } from '@libs/core/json';
import { COLLECTION_NAMES, CollectionName, SearchDocument } from '../../domain/collections';
import type { SearchRequest } from '../../domain/search-request';
import { queryInvalid, searchFailed, searchUnavailable } from '../../domain/search.errors';
import { DocumentSink } from '../../application/ports/document-sink';
import { SearchIndex, SearchResult } from '../../application/ports/search-index';
import { typesenseSchema } from './typesense-schemas';

const status = (e: unknown) => (e as { httpStatus?: number })?.httpStatus;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * No answer (refused, timed out) or a 5xx (Typesense's 503 "Not Ready or Lagging"): Typesense is
 * away and the same call may work later. Anything else (401: a wrong type_sense_key) is a fault.
 */
function failure(e: unknown) {
  const s = status(e);
  return s === undefined || s >= 500 ? searchUnavailable(message(e)) : searchFailed(message(e));
}

/** The parameters Typesense gets: the validated request, written back in its own terms. */
function params(req: SearchRequest): Record<string, unknown> {
  const p: Record<string, unknown> = {
    q: req.tokens.length ? req.q : '*',
    page: req.page,
    per_page: req.perPage,
    prefix: req.prefix,
    num_typos: req.numTypos,
    sort_by: req.sortBy.map((k) => `${k.field}:${k.desc ? 'desc' : 'asc'}`).join(','),
  };
  if (req.queryBy.length) p.query_by = req.queryBy.join(',');
  if (req.filterBy) p.filter_by = req.filterBy;
  if (req.facetBy.length) {
    p.facet_by = req.facetBy.join(',');
    p.max_facet_values = req.maxFacetValues;
  }
  if (req.includeFields) p.include_fields = req.includeFields.join(',');
  if (req.excludeFields.length) p.exclude_fields = req.excludeFields.join(',');
  return p;
}

/** Search and indexing on Typesense when `typesense.dns` is set. */
@Injectable()
export class TypesenseSearchIndex extends SearchIndex {
  constructor(private readonly client: Client) {
    super();
  }

  async search(req: SearchRequest): Promise<SearchResult> {
    try {
      const r = await this.client
        .collections(req.collection.name)
        .documents()
        .search(params(req) as never, {});
      return r as unknown as SearchResult;
    } catch (e) {
      if (status(e) === 400) throw queryInvalid('search', message(e));
      // A collection missing is one being rebuilt (reindex) or not yet ensured at start.
      if (status(e) === 404) throw searchUnavailable(`collection ${req.collection.name} not ready`);
      throw failure(e);
    }
  }
}

@Injectable()
export class TypesenseSink extends DocumentSink {
  readonly stores = true;

  constructor(private readonly client: Client) {
    super();
  }

  /**
   * Creates the collections that are missing, and adds to an existing one the fields its schema
   * lacks (a collection made by an earlier release: reconciliations before their counts were
   * indexed). Typesense indexes the documents it holds for an added field.
   */
  async ensureCollections(): Promise<void> {
    for (const name of COLLECTION_NAMES) {
      let existing: { fields?: { name: string }[] };
      try {
        existing = await this.client.collections(name).retrieve();
      } catch (e) {
        if (status(e) !== 404) throw failure(e);
        try {
          await this.client.collections().create(typesenseSchema(name) as never);
        } catch (c) {
          if (status(c) !== 409) throw failure(c); // 409: another process made it
        }
        continue;
      }
      const have = new Set((existing.fields ?? []).map((f) => f.name));
      const missing = typesenseSchema(name).fields.filter((f) => !have.has(f.name));
      if (!missing.length) continue;
      try {
        await this.client.collections(name).update({ fields: missing } as never);
      } catch (e) {
        // 400 "already part of the schema": another process added them meanwhile.
        if (status(e) !== 400) throw failure(e);
      }
    }
  }

  async upsert(collection: CollectionName, docs: SearchDocument[]): Promise<void> {
    if (!docs.length) return;
    // JSONL written losslessly: a big integer in meta_data must not become a double or throw.
    const body = docs.map((d) => stringifyJson(d)).join('\n');
    let reply: string;
    try {
      reply = await this.client
        .collections(collection)
        .documents()
        .import(body, { action: 'upsert' });
    } catch (e) {
      throw failure(e);
    }
    const failed = reply
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { success: boolean; error?: string })
      .filter((l) => !l.success);
    if (failed.length) throw searchFailed(`import refused ${failed.length}: ${failed[0].error}`);
  }

  async remove(collection: CollectionName, ids: string[]): Promise<void> {
    for (const id of ids) {
      try {
        await this.client.collections(collection).documents(id).delete();
      } catch (e) {
        if (status(e) !== 404) throw failure(e);
      }
    }
  }

  async drop(collection: CollectionName): Promise<void> {
    try {
      await this.client.collections(collection).delete();
    } catch (e) {
      if (status(e) !== 404) throw failure(e);
    }
  }
}
