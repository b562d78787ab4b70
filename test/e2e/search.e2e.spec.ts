import { randomBytes } from 'node:crypto';
import { StaticTokenKeys } from '../../src/modules/identity/infrastructure/keys/static-token-keys';
import { createScopedKey, parseBig, startTestApp, TestApp } from '../support/app';
import { fingerprint } from '../support/fingerprint';
import { pauseRunJob } from '../support/reconciliation';
import {
  atOnce,
  expectRunFollowed,
  RUN_NAMES,
  runDocument,
  SCENARIO_QUERIES,
  SearchScenario,
  seedSearchScenario,
} from '../support/search-scenario';

const ids = (r: { json: { hits: { document: { id: string } }[] } }) =>
  r.json.hits.map((h) => h.document.id);

/**
 * Search without Typesense (the default, embedded mode included): Typesense's request language
 * answered by SQL over the live tables, over real HTTP. Runs on PGlite and, in CI's first pass,
 * on PostgreSQL.
 */
describe('search on PostgreSQL', () => {
  let t: TestApp;
  let s: SearchScenario;

  beforeAll(async () => {
    t = await startTestApp({ tokenKeys: new StaticTokenKeys([randomBytes(32)]) });
    s = await seedSearchScenario(t);
  });
  afterAll(() => t.close());

  const search = (collection: string, body: unknown) =>
    t.http('POST', `/search/${collection}`, body);

  it.each(SCENARIO_QUERIES.map((q) => [q.name, q] as const))('scenario: %s', async (_, q) => {
    const r = await search(q.collection, q.body);
    expect(r.status).toBe(201);
    const want = q.expect(s);
    if (q.ordered) expect(ids(r)).toEqual(want);
    else expect([...ids(r)].sort()).toEqual([...want].sort());
    expect(r.json.found).toBe(want.length);
  });

  it('answers Typesense’s result shape with §12 documents', async () => {
    const r = await search('transactions', { q: 'whale', query_by: 'description' });
    expect(r.status).toBe(201);
    const body = parseBig(r.text);
    expect(Object.keys(body).sort()).toEqual(
      [
        'facet_counts',
        'found',
        'hits',
        'out_of',
        'page',
        'request_params',
        'search_cutoff',
        'search_time_ms',
      ].sort(),
    );
    expect(body.out_of).toBe(6n);
    expect(body.page).toBe(1n);
    expect(body.request_params).toEqual({
      collection_name: 'transactions',
      per_page: 10n,
      q: 'whale',
    });
    const [hit] = body.hits;
    expect(hit.highlights).toEqual([
      { field: 'description', matched_tokens: ['Whale'], snippet: '<mark>Whale</mark> settlement' },
    ]);
    const doc = hit.document;
    expect(doc.id).toBe(s.tx.whale);
    expect(doc.transaction_id).toBe(s.tx.whale);
    // Big integers as strings, times as unix seconds, amount a float.
    expect(doc.precise_amount).toBe('123456789012345678901234567890');
    expect(typeof doc.created_at).toBe('bigint');
    expect(Math.abs(Number(doc.created_at) - Date.now() / 1000)).toBeLessThan(120);
    expect(typeof doc.effective_date).toBe('bigint');
    expect(doc).not.toHaveProperty('scheduled_for');
    const bal = await search('balances', { filter_by: `balance_id:=${s.balances.big}` });
    const b = parseBig(bal.text).hits[0].document;
    expect(b.balance).toBe('123456789012345678901234567890');
    expect(b.credit_balance).toBe('123456789012345678901234567890');
    expect(b.meta_data).toEqual({ tier: 'whale' });
    const idt = await search('identities', { filter_by: `identity_id:=${s.identityId}` });
    expect(idt.json.hits[0].document.dob).toBe(Date.UTC(1990, 4, 17) / 1000);
  });

  it('sees a change at once: a balance after a transfer', async () => {
    const before = (await search('balances', { filter_by: `balance_id:=${s.balances.eur}` })).json
      .hits[0].document.balance;
    const r = await t.http('POST', '/transactions', {
      amount: 1,
      precision: 100,
      currency: 'EUR',
      reference: 'sc-live',
      description: 'live',
      source: '@World',
      destination: s.balances.eur,
      allow_overdraft: true,
      skip_queue: true,
    });
    expect(r.text).toContain('APPLIED');
    const after = (await search('balances', { filter_by: `balance_id:=${s.balances.eur}` })).json
      .hits[0].document.balance;
    expect(BigInt(after) - BigInt(before)).toBe(100n);
    expect(ids(await search('transactions', { q: 'live', query_by: 'description' }))).toEqual([
      r.json.transaction_id,
    ]);
  });

  it('pages without overlap and counts facets', async () => {
    const all = await search('transactions', {
      sort_by: 'amount:asc,created_at:desc',
      per_page: 250,
    });
    const pages: string[] = [];
    for (let page = 1; page <= 4; page++) {
      const r = await search('transactions', {
        sort_by: 'amount:asc,created_at:desc',
        per_page: 2,
        page,
      });
      expect(r.json.found).toBe(all.json.found);
      pages.push(...ids(r));
    }
    expect(pages).toEqual(ids(all));
    const f = await search('transactions', { facet_by: 'currency,status', per_page: 0, q: '*' });
    expect(f.json.hits).toEqual([]);
    expect(f.json.facet_counts).toEqual([
      {
        field_name: 'currency',
        counts: [
          { count: 5, highlighted: 'USD', value: 'USD' },
          { count: 2, highlighted: 'EUR', value: 'EUR' },
        ],
        stats: { total_values: 2 },
      },
      {
        field_name: 'status',
        counts: [{ count: 7, highlighted: 'APPLIED', value: 'APPLIED' }],
        stats: { total_values: 1 },
      },
    ]);
  });

  it('keeps or drops fields of each document', async () => {
    const inc = await search('ledgers', {
      q: 'treasury',
      query_by: 'name',
      include_fields: 'name',
    });
    expect(inc.json.hits[0].document).toEqual({ name: 'Scenario Treasury' });
    const exc = await search('ledgers', {
      q: 'treasury',
      query_by: 'name',
      exclude_fields: 'meta_data,created_at',
    });
    expect(Object.keys(exc.json.hits[0].document).sort()).toEqual(['id', 'ledger_id', 'name']);
  });

  it('multi-search answers each search, refusing a bad one in its place', async () => {
    const r = await t.http('POST', '/multi-search', {
      searches: [
        { collection: 'ledgers', q: 'treasury', query_by: 'name' },
        { collection: 'balances', filter_by: 'balance:>5' },
        { collection: 'nope', q: '*' },
      ],
    });
    expect(r.status).toBe(200);
    expect(ids({ json: r.json.results[0] })).toEqual([s.ledgerId]);
    expect(r.json.results[1]).toEqual({ code: 400, error: expect.stringContaining('filter_by') });
    expect(r.json.results[2]).toEqual({ code: 400, error: expect.stringContaining('collection') });
    expect((await t.http('POST', '/multi-search', { searches: 'x' })).json.error_detail.code).toBe(
      'SRCH_QUERY_INVALID',
    );
  });

  it('shows a reconciliation as GET /reconciliation/:id does, times in unix seconds', async () => {
    for (const name of RUN_NAMES) {
      const run = s.runs[name];
      const r = await search('reconciliations', {
        filter_by: `reconciliation_id:=${run.reconciliation_id}`,
      });
      expect(r.status).toBe(201);
      expect(r.json.hits.map((h: { document: unknown }) => h.document)).toEqual([runDocument(run)]);
    }
    const all = await search('reconciliations', { q: '*' });
    expect(all.json.out_of).toBe(RUN_NAMES.length);
    // The table has no meta_data: a path into it finds nothing, as a key no document has.
    const meta = await search('reconciliations', { filter_by: 'meta_data.k:=x' });
    expect([meta.status, meta.json.found]).toEqual([201, 0]);
    expect((await search('reconciliations', { filter_by: 'amount:>0' })).status).toBe(400);
  });

  it('follows a run as its status and counts change, at once', async () => {
    await expectRunFollowed(t, s, atOnce, () => pauseRunJob(t));
  });

  it.each([
    ['an unknown parameter', 'transactions', { q: '*', group_by: 'currency' }, 'group_by'],
    ['an unknown collection', 'wallets', { q: '*' }, 'collection'],
    ['q without query_by', 'transactions', { q: 'rent' }, 'query_by'],
    ['query_by a number field', 'transactions', { q: 'x', query_by: 'amount' }, 'query_by'],
    ['sort on a string', 'transactions', { sort_by: 'description:asc' }, 'sort_by'],
    ['four sort fields', 'transactions', { sort_by: 'amount,amount,amount,amount' }, 'sort_by'],
    ['range on a string', 'transactions', { filter_by: 'currency:>USD' }, 'filter_by'],
    ['a word for a number', 'transactions', { filter_by: 'amount:>ten' }, 'filter_by'],
    ['an unknown field', 'transactions', { filter_by: 'secret:=1' }, 'filter_by'],
    ['unbalanced parentheses', 'transactions', { filter_by: '(currency:=USD' }, 'filter_by'],
    ['a dangling operator', 'transactions', { filter_by: 'currency:=USD &&' }, 'filter_by'],
    [
      'a huge int64',
      'transactions',
      { filter_by: 'created_at:>99999999999999999999' },
      'filter_by',
    ],
    ['per_page too big', 'transactions', { per_page: 251 }, 'per_page'],
    ['page zero', 'transactions', { page: 0 }, 'page'],
    ['a non-object body', 'transactions', [1, 2], 'body'],
    ['q not a string', 'transactions', { q: { $ne: 1 } }, 'q'],
    ['a meta path with a quote', 'transactions', { filter_by: "meta_data.k'--:=1" }, 'filter_by'],
    [
      'a field with SQL in it',
      'transactions',
      { filter_by: 'amount);DROP TABLE transactions;--:=1' },
      'filter_by',
    ],
    ['sort by SQL', 'transactions', { sort_by: 'amount;DELETE FROM ledgers' }, 'sort_by'],
    ['facet on a number', 'transactions', { facet_by: 'amount' }, 'facet_by'],
    ['include_fields with SQL', 'ledgers', { include_fields: 'name,1=1' }, 'include_fields'],
    ['a range on a bool', 'reconciliations', { filter_by: 'is_dry_run:>false' }, 'filter_by'],
    ['a bool spelled TRUE', 'reconciliations', { filter_by: 'is_dry_run:=TRUE' }, 'filter_by'],
    ['a bool as null', 'reconciliations', { filter_by: 'is_dry_run:=null' }, 'filter_by'],
    ['a time as null', 'reconciliations', { filter_by: 'completed_at:=null' }, 'filter_by'],
    [
      'a count as a float',
      'reconciliations',
      { filter_by: 'matched_transactions:>1.5' },
      'filter_by',
    ],
    ['sort on a bool', 'reconciliations', { sort_by: 'is_dry_run:asc' }, 'sort_by'],
    ['facet on a bool', 'reconciliations', { facet_by: 'is_dry_run' }, 'facet_by'],
    ['query_by a bool', 'reconciliations', { q: 'true', query_by: 'is_dry_run' }, 'query_by'],
    ['a column name', 'reconciliations', { filter_by: 'matched:>0' }, 'filter_by'],
    ['a private column', 'reconciliations', { filter_by: 'lease_owner:=x' }, 'filter_by'],
    ['a reserved name', 'reconciliations', { filter_by: '__proto__:=x' }, 'filter_by'],
    [
      'include a reserved name',
      'reconciliations',
      { include_fields: 'constructor' },
      'include_fields',
    ],
    [
      'SQL after a bool',
      'reconciliations',
      { filter_by: 'is_dry_run:=true) OR (1=1' },
      'filter_by',
    ],
  ])(
    'refuses %s with 400 SRCH_QUERY_INVALID naming the parameter',
    async (_, collection, body, param) => {
      const before = await fingerprint(t.ds);
      const r = await search(collection, body);
      expect(r.status).toBe(400);
      expect(r.json.error_detail.code).toBe('SRCH_QUERY_INVALID');
      expect(r.json.error).toContain(param);
      expect(await fingerprint(t.ds)).toEqual(before);
    },
  );

  const tx = 'transactions';
  const recon = 'reconciliations';
  it.each([
    ['a quoted value with SQL', tx, { filter_by: "currency:=`USD'; DROP TABLE transactions; --`" }],
    ['a bare value with SQL', tx, { filter_by: "reference:=x' OR '1'='1" }],
    [
      'q with SQL and LIKE wildcards',
      tx,
      { q: "'; DELETE FROM balances; -- %_\\", query_by: 'description' },
    ],
    ['a metadata value with JSON', tx, { filter_by: 'meta_data.kind:=`{"$gt":""}`' }],
    ['a metadata range over text', tx, { filter_by: 'meta_data.kind:>1' }],
    ['a regex-like q', tx, { q: '.* (a|b)+ [x]', query_by: 'description,reference' }],
    ['a quoted status with SQL', recon, { filter_by: "status:=`completed' OR '1'='1`" }],
    ['a bare run id with SQL', recon, { filter_by: "reconciliation_id:=x' OR 1=1 --" }],
    ['a list of upload ids with SQL', recon, { filter_by: "upload_id:[`x'),('y`,z]" }],
    ['a metadata path the table lacks', recon, { filter_by: 'meta_data.k:>1 || meta_data.k:=x' }],
    [
      'q with SQL over a run',
      recon,
      { q: "completed'; UPDATE reconciliations SET matched = 9; --", query_by: 'status' },
    ],
  ])(
    'binds hostile input as values: %s finds nothing and changes nothing',
    async (_, collection, body) => {
      const before = await fingerprint(t.ds);
      const r = await search(collection, body);
      expect(r.status).toBe(201);
      expect(r.json.found).toBe(0);
      expect(await fingerprint(t.ds)).toEqual(before);
    },
  );

  it('reconciliations need the reconciliation read scope, in multi-search too', async () => {
    const without = await createScopedKey(t, ['search:write', 'ledgers:read']);
    const withIt = await createScopedKey(t, ['search:write', 'reconciliation:read']);
    const as = (key: string) =>
      t.http('POST', '/search/reconciliations', { q: '*' }, { 'x-blnk-key': key });
    const denied = await as(without.key);
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('reconciliation:read');
    const allowed = await as(withIt.key);
    const [{ n }] = await t.ds.query(`SELECT count(*)::int AS n FROM reconciliations`);
    expect([allowed.status, allowed.json.found]).toEqual([201, n]);
    const multi = await t.http(
      'POST',
      '/multi-search',
      { searches: [{ collection: 'ledgers' }, { collection: 'reconciliations' }] },
      { 'x-blnk-key': without.key },
    );
    expect(multi.status).toBe(403);
  });

  it('searches what the API shows of a tokenized identity, never its plaintext', async () => {
    const id = (
      await t.http('POST', '/identities', { first_name: 'Zebulon', last_name: 'Quixote' })
    ).json.identity_id;
    expect(ids(await search('identities', { q: 'zebulon', query_by: 'first_name' }))).toEqual([id]);
    const tok = await t.http('POST', `/identities/${id}/tokenize`, { fields: ['FirstName'] });
    expect(tok.status).toBe(200);
    const r = await search('identities', { q: 'zebulon', query_by: 'first_name,last_name' });
    expect(r.json.found).toBe(0);
    expect(r.text).not.toContain('Zebulon');
    const shown = (await t.http('GET', `/identities/${id}`)).json.first_name as string;
    const byLast = await search('identities', { q: 'quixote', query_by: 'last_name' });
    expect(byLast.json.hits[0].document.first_name).toBe(shown);
    expect(byLast.text).not.toContain('Zebulon');
  });

  it('reindex without Typesense: 404 before any run, then a run with nothing to rebuild', async () => {
    const before = await t.http('GET', '/search/reindex');
    expect(before.status).toBe(404);
    expect(before.json.error_detail.code).toBe('SRCH_REINDEX_NOT_STARTED');
    const reader = await createScopedKey(t, ['search:read']);
    const writer = await createScopedKey(t, ['search:write']);
    const refused = await t.http('POST', '/search/reindex', {}, { 'x-blnk-key': reader.key });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('search:write');
    expect((await t.http('GET', '/search/reindex')).status).toBe(404);
    // Searches read the tables live: the run is complete when it starts, with no records.
    const r = await t.http(
      'POST',
      '/search/reindex',
      { batch_size: 10 },
      { 'x-blnk-key': writer.key },
    );
    expect(r.status).toBe(202);
    expect(r.json).toEqual({
      message: 'Reindex operation started',
      progress: {
        status: 'completed',
        phase: 'completed',
        total_records: 0,
        processed_records: 0,
        started_at: expect.any(String),
        completed_at: expect.any(String),
        paused: false,
      },
    });
    expect(
      (await t.http('GET', '/search/reindex', undefined, { 'x-blnk-key': writer.key })).status,
    ).toBe(403);
    const get = await t.http('GET', '/search/reindex', undefined, { 'x-blnk-key': reader.key });
    expect(get.status).toBe(200);
    expect(get.json).toEqual(r.json.progress);
    // Nothing in progress, so another start is another completed run, never a 409.
    expect((await t.http('POST', '/search/reindex', {})).status).toBe(202);
  });

  it('needs search:write and the collection’s read scope', async () => {
    const reader = await createScopedKey(t, ['search:read']);
    const writer = await createScopedKey(t, ['search:write', 'ledgers:read']);
    const as = (key: string, collection: string) =>
      t.http('POST', `/search/${collection}`, { q: '*' }, { 'x-blnk-key': key });
    expect((await as(reader.key, 'ledgers')).status).toBe(403);
    expect((await as(writer.key, 'ledgers')).status).toBe(201);
    const denied = await as(writer.key, 'identities');
    expect(denied.status).toBe(403);
    expect(denied.text).toContain('identities:read');
    const multi = await t.http(
      'POST',
      '/multi-search',
      { searches: [{ collection: 'ledgers' }, { collection: 'transactions' }] },
      { 'x-blnk-key': writer.key },
    );
    expect(multi.status).toBe(403);
  });
});
