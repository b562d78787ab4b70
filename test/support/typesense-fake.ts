import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  COLLECTIONS,
  isCollection,
  SearchDocument,
} from '../../src/modules/search/domain/collections';
import type { FieldRef, FilterItem, FilterNode } from '../../src/modules/search/domain/filter-by';
import {
  SEARCH_PARAMETERS,
  parseSearchRequest,
  SearchRequest,
  wordsOf,
} from '../../src/modules/search/domain/search-request';
import {
  highlightsOf,
  MatchPass,
  TEXT_MATCH,
  tokenMatchesWord,
  typoBudget,
} from '../../src/modules/search/domain/text-match';

/**
 * A loopback stand-in for Typesense's HTTP API (no Typesense binary exists here): API key,
 * /health, collection creation (201, 409), JSONL upsert import answered as text/plain, search,
 * multi_search, document and collection delete. Filters are evaluated here over the stored documents, in
 * JavaScript, the way Typesense reads the supported subset; `down` makes every call fail 503.
 */
export interface TypesenseFake {
  url: string;
  key: string;
  collections: Map<string, Map<string, SearchDocument>>;
  /** The schema of each collection as created, with the fields added by PATCH since. */
  schemas: Map<string, { name: string; fields: { name: string }[] }>;
  calls: string[];
  /** Every import, in order: the collection and the ids of its documents. */
  imports: { collection: string; ids: string[] }[];
  down: boolean;
  close(): Promise<void>;
}

function value(doc: SearchDocument, f: FieldRef): unknown {
  if (f.kind !== 'meta') return doc[f.name];
  let v: unknown = doc.meta_data;
  for (const k of f.path ?? [])
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

const num = (v: unknown) => (v === undefined || v === null || v === '' ? NaN : Number(v));

function matchItem(doc: SearchDocument, f: FieldRef, item: FilterItem): boolean {
  const v = value(doc, f);
  if ('value' in item) return v !== undefined && v !== null && String(v) === item.value;
  const n = num(v);
  return n >= Number(item.from) && n <= Number(item.to);
}

function matches(doc: SearchDocument, node: FilterNode): boolean {
  switch (node.kind) {
    case 'and':
      return node.nodes.every((n) => matches(doc, n));
    case 'or':
      return node.nodes.some((n) => matches(doc, n));
    case 'list': {
      const any = node.items.some((i) => matchItem(doc, node.field, i));
      return node.negated ? !any : any;
    }
    case 'cmp': {
      const v = value(doc, node.field);
      if (node.op === '=') return v !== undefined && v !== null && String(v) === node.value;
      if (node.op === '!=') return v === undefined || v === null || String(v) !== node.value;
      const [a, b] = [num(v), Number(node.value)];
      if (Number.isNaN(a)) return false;
      return { '>': a > b, '<': a < b, '>=': a >= b, '<=': a <= b }[node.op];
    }
  }
}

function textMatches(doc: SearchDocument, req: SearchRequest, pass: MatchPass): boolean {
  const o = { pass, prefix: req.prefix, numTypos: req.numTypos };
  return req.tokens.every((_, i) =>
    req.queryBy.some((f) =>
      wordsOf(String(doc[f] ?? '')).some((w) => tokenMatchesWord(req.tokens, i, w, o)),
    ),
  );
}

function search(store: Map<string, SearchDocument>, req: SearchRequest, order: string[]) {
  const run = (pass: MatchPass) =>
    [...store.values()].filter(
      (d) =>
        (!req.tokens.length || textMatches(d, req, pass)) &&
        (!req.filter || matches(d, req.filter)),
    );
  let pass: MatchPass = 'exact';
  let found = run(pass);
  if (!found.length && req.tokens.some((t) => typoBudget(t, req.numTypos) > 0)) {
    pass = 'typo';
    found = run(pass);
  }
  const rank = new Map(order.map((id, i) => [id, i]));
  found.sort((a, b) => {
    for (const k of req.sortBy) {
      if (k.kind === 'text_match') continue;
      const [x, y] = [num(a[k.field]), num(b[k.field])];
      if (x !== y) return (k.desc ? y - x : x - y) || 0;
    }
    return (rank.get(b.id) ?? 0) - (rank.get(a.id) ?? 0); // newest first, as Typesense
  });
  const o = { pass, prefix: req.prefix, numTypos: req.numTypos };
  const start = (req.page - 1) * req.perPage;
  return {
    facet_counts: req.facetBy.map((field) => {
      const counts = new Map<string, number>();
      for (const d of found) {
        const v = d[field];
        if (typeof v === 'string' && v) counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      return {
        field_name: field,
        counts: sorted
          .slice(0, req.maxFacetValues)
          .map(([v, count]) => ({ count, highlighted: v, value: v })),
        stats: { total_values: counts.size },
      };
    }),
    found: found.length,
    hits: found.slice(start, start + req.perPage).map((document) => ({
      document: trim(document, req),
      highlight: {},
      highlights: highlightsOf(document, req.queryBy, req.tokens, o),
      text_match: req.tokens.length ? TEXT_MATCH[pass] : 100,
    })),
    out_of: store.size,
    page: req.page,
    request_params: { collection_name: req.collection.name, per_page: req.perPage, q: req.q },
    search_cutoff: false,
    search_time_ms: 0,
  };
}

function trim(doc: SearchDocument, req: SearchRequest): SearchDocument {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (req.includeFields && !req.includeFields.includes(k)) continue;
    if (req.excludeFields.includes(k)) continue;
    out[k] = v;
  }
  return out as SearchDocument;
}

/** Query-string parameters as Typesense reads them (numbers and booleans as text). */
function searchParams(q: URLSearchParams): Record<string, unknown> {
  const known = SEARCH_PARAMETERS;
  // The client adds parameters of its own (throwOnFail…): ignored, as the real server does.
  return Object.fromEntries([...q].filter(([k]) => known.has(k)));
}

export async function startTypesenseFake(key = 'fake-typesense-key'): Promise<TypesenseFake> {
  const collections = new Map<string, Map<string, SearchDocument>>();
  const order = new Map<string, string[]>();
  const calls: string[] = [];
  const imports: TypesenseFake['imports'] = [];
  const schemas: TypesenseFake['schemas'] = new Map();
  const fake = { collections, schemas, calls, imports, down: false } as TypesenseFake;
  const send = (res: ServerResponse, status: number, body: unknown, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let s = '';
      req.on('data', (c) => (s += c));
      req.on('end', () => resolve(s));
    });
  const runSearch = (name: string, params: Record<string, unknown>) => {
    if (!isCollection(name) || !collections.has(name))
      return { status: 404, body: { message: `Not found.` } };
    try {
      const r = search(
        collections.get(name)!,
        parseSearchRequest(COLLECTIONS[name], params),
        order.get(name)!,
      );
      return { status: 200, body: r };
    } catch (e) {
      return { status: 400, body: { message: (e as Error).message } };
    }
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const body = await read(req);
    calls.push(`${req.method} ${url.pathname}`);
    if (fake.down) return send(res, 503, { message: 'Not Ready or Lagging' });
    if (url.pathname === '/health') return send(res, 200, { ok: true });
    if (req.headers['x-typesense-api-key'] !== key)
      return send(res, 401, {
        message: 'Forbidden - a valid `x-typesense-api-key` header must be sent.',
      });
    const parts = url.pathname.split('/').filter(Boolean);
    if (req.method === 'POST' && url.pathname === '/collections') {
      const schema = JSON.parse(body) as { name: string; fields: { name: string }[] };
      if (collections.has(schema.name))
        return send(res, 409, {
          message: `A collection with name \`${schema.name}\` already exists.`,
        });
      collections.set(schema.name, new Map());
      order.set(schema.name, []);
      schemas.set(schema.name, schema as { name: string; fields: { name: string }[] });
      return send(res, 201, schema);
    }
    if (parts[0] === 'collections' && parts.length === 2 && req.method === 'DELETE') {
      if (!collections.delete(parts[1])) return send(res, 404, { message: 'Not Found' });
      order.delete(parts[1]);
      schemas.delete(parts[1]);
      return send(res, 200, { name: parts[1] });
    }
    if (parts[0] === 'collections' && parts.length === 2 && req.method === 'GET') {
      const schema = schemas.get(parts[1]);
      return schema ? send(res, 200, schema) : send(res, 404, { message: 'Not Found' });
    }
    if (parts[0] === 'collections' && parts.length === 2 && req.method === 'PATCH') {
      // Typesense's schema update, for added fields only.
      const schema = schemas.get(parts[1]);
      if (!schema) return send(res, 404, { message: 'Not Found' });
      const { fields } = JSON.parse(body) as { fields: { name: string }[] };
      const known = fields.find((f) => schema.fields.some((g) => g.name === f.name));
      if (known)
        return send(res, 400, {
          message: `Field \`${known.name}\` is already part of the schema.`,
        });
      schema.fields.push(...fields);
      return send(res, 200, { fields });
    }
    if (parts[0] === 'collections' && parts[2] === 'documents') {
      const store = collections.get(parts[1]);
      if (!store) return send(res, 404, { message: 'Not Found' });
      if (parts[3] === 'import' && req.method === 'POST') {
        const lines = body.split('\n').filter(Boolean);
        imports.push({
          collection: parts[1],
          ids: lines.map((l) => (JSON.parse(l) as SearchDocument).id),
        });
        for (const l of lines) {
          const d = JSON.parse(l) as SearchDocument;
          if (!store.has(d.id)) order.get(parts[1])!.push(d.id);
          store.set(d.id, d);
        }
        // The real server answers JSONL as text/plain; with application/json the client breaks.
        return send(
          res,
          200,
          lines.map(() => '{"success":true}').join('\n'),
          'text/plain; charset=utf-8',
        );
      }
      if (parts[3] === 'search' && req.method === 'GET') {
        const r = runSearch(parts[1], searchParams(url.searchParams));
        return send(res, r.status, r.body);
      }
      if (parts.length === 4 && req.method === 'DELETE') {
        const d = store.get(parts[3]);
        if (!d) return send(res, 404, { message: 'Not Found' });
        store.delete(parts[3]);
        return send(res, 200, d);
      }
    }
    if (req.method === 'POST' && url.pathname === '/multi_search') {
      const { searches } = JSON.parse(body) as { searches: Record<string, unknown>[] };
      const results = searches.map(({ collection, ...p }) => {
        const r = runSearch(String(collection), p);
        return r.status === 200
          ? r.body
          : { code: r.status, error: (r.body as { message: string }).message };
      });
      return send(res, 200, { results });
    }
    send(res, 404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.key = key;
  fake.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return fake;
}
