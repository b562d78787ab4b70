import { SearchSettings } from '../../src/modules/search/application/search-settings';
import { COLLECTIONS } from '../../src/modules/search/domain/collections';
import { startTestApp, TestApp } from '../support/app';
import { pauseRunJob } from '../support/reconciliation';
import {
  amountAndReferenceRule,
  driveRun,
  Eventually,
  expectRunFollowed,
  RUN_NAMES,
  runDocument,
  SCENARIO_QUERIES,
  SearchScenario,
  seedSearchScenario,
  startInstantRun,
} from '../support/search-scenario';
import { startTypesenseFake, TypesenseFake } from '../support/typesense-fake';
import { waitFor } from '../support/wait';

const ids = (r: { json: { hits: { document: { id: string } }[] } }) =>
  r.json.hits.map((h) => h.document.id);

const pending = async (t: TestApp) =>
  ((await t.ds.query(`SELECT count(*)::int AS n FROM search_index_queue`)) as { n: number }[])[0].n;

const EARLIER_RECONCILIATION_FIELDS = [
  'reconciliation_id',
  'upload_id',
  'status',
  'started_at',
  'completed_at',
  'meta_data',
].map((name) => ({ name }));

/**
 * Search with `typesense.dns` set, against a loopback fake of Typesense's HTTP API: collections
 * ensured at start, changes fed through the durable queue and imported with action=upsert
 * (balances before the transactions that reference them), the same scenario answers as the
 * PostgreSQL adapter, and nothing lost while Typesense is down.
 */
describe('search on Typesense', () => {
  let fake: TypesenseFake;
  let t: TestApp;
  let s: SearchScenario;

  beforeAll(async () => {
    fake = await startTypesenseFake();
    // The reconciliations collection as an earlier release created it, before runs were indexed.
    const earlier = await fetch(`${fake.url}/collections`, {
      method: 'POST',
      headers: { 'x-typesense-api-key': fake.key, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'reconciliations', fields: EARLIER_RECONCILIATION_FIELDS }),
    });
    expect(earlier.status).toBe(201);
    t = await startTestApp({ search: new SearchSettings(fake.url, fake.key, 20, 200) });
    s = await seedSearchScenario(t);
    await waitFor(async () => ((await pending(t)) === 0 ? true : undefined), 10_000, 'indexed');
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  // Balances before the transactions naming them within one round: search-reindex.e2e.spec.ts.
  it('ensures the collections and imports with action=upsert', () => {
    expect([...fake.collections.keys()].sort()).toEqual(
      ['balances', 'identities', 'ledgers', 'reconciliations', 'transactions'].sort(),
    );
    const imports = fake.calls.filter((c) => c.endsWith('/documents/import'));
    expect(imports.length).toBeGreaterThan(0);
    const doc = fake.collections.get('transactions')!.get(s.tx.whale)!;
    expect(doc.precise_amount).toBe('123456789012345678901234567890');
    expect(typeof doc.created_at).toBe('number');
  });

  it.each(SCENARIO_QUERIES.map((q) => [q.name, q] as const))(
    'scenario (same hits as PostgreSQL): %s',
    async (_, q) => {
      const r = await t.http('POST', `/search/${q.collection}`, q.body);
      expect(r.status).toBe(201);
      const want = q.expect(s);
      if (q.ordered) expect(ids(r)).toEqual(want);
      else expect([...ids(r)].sort()).toEqual([...want].sort());
      expect(r.json.found).toBe(want.length);
    },
  );

  it('adds to a collection made by an earlier release the fields it lacks', () => {
    const fields = fake.schemas.get('reconciliations')!.fields.map((f) => f.name);
    expect(fields.slice(0, EARLIER_RECONCILIATION_FIELDS.length)).toEqual(
      EARLIER_RECONCILIATION_FIELDS.map((f) => f.name),
    );
    expect([...fields].sort()).toEqual(Object.keys(COLLECTIONS.reconciliations.fields).sort());
    expect(fake.calls.filter((c) => c.startsWith('PATCH '))).toEqual([
      'PATCH /collections/reconciliations',
    ]);
  });

  it('indexes each reconciliation as GET /reconciliation/:id shows it', () => {
    const stored = fake.collections.get('reconciliations')!;
    expect(stored.size).toBe(RUN_NAMES.length);
    for (const name of RUN_NAMES) {
      const run = s.runs[name];
      expect(stored.get(String(run.reconciliation_id))).toEqual(runDocument(run));
    }
  });

  it('follows a run as its status and counts change, through the feed', async () => {
    const eventually: Eventually = (probe, what) => waitFor(probe, 10_000, what);
    await expectRunFollowed(t, s, eventually, () => pauseRunJob(t));
  });

  it('refuses what the language does not support before asking Typesense', async () => {
    const before = fake.calls.length;
    const r = await t.http('POST', '/search/transactions', { filter_by: 'currency:>USD' });
    expect(r.status).toBe(400);
    expect(r.json.error_detail.code).toBe('SRCH_QUERY_INVALID');
    expect(fake.calls.length).toBe(before);
  });

  it('loses nothing while Typesense is down, and catches up when it is back', async () => {
    fake.down = true;
    const refs = ['down-1', 'down-2', 'down-3'];
    for (const reference of refs) {
      const r = await t.http('POST', '/transactions', {
        amount: 2,
        precision: 100,
        currency: 'USD',
        reference,
        description: 'while typesense was down',
        source: '@World',
        destination: s.balances.usd,
        allow_overdraft: true,
        skip_queue: true,
      });
      expect(r.status).toBe(201);
    }
    // A reconciliation run started and finished meanwhile: its insert and its updates queue.
    const run = await driveRun(
      t,
      await startInstantRun(t, await amountAndReferenceRule(t), [
        { id: 'while-down', amount: 2, reference: 'down-1' },
      ]),
    );
    expect(run).toMatchObject({ status: 'completed', matched_transactions: 1 });
    // A search meanwhile is 503 SRCH_UNAVAILABLE: the request was fine, Typesense is away.
    const failed = await t.http('POST', '/search/transactions', { q: '*' });
    expect(failed.status).toBe(503);
    expect(failed.json.error_detail.code).toBe('SRCH_UNAVAILABLE');
    await new Promise((r) => setTimeout(r, 300));
    expect(await pending(t)).toBeGreaterThan(0);
    fake.down = false;
    await waitFor(async () => ((await pending(t)) === 0 ? true : undefined), 15_000, 'caught up');
    const r = await t.http('POST', '/search/transactions', {
      q: 'typesense',
      query_by: 'description',
    });
    expect(r.json.found).toBe(3);
    const usd = fake.collections.get('balances')!.get(s.balances.usd)!;
    const api = await t.http('GET', `/balances/${s.balances.usd}`);
    expect(usd.balance).toBe(String(api.json.balance));
    const runs = await t.http('POST', '/search/reconciliations', {
      filter_by: `reconciliation_id:=${run.reconciliation_id}`,
    });
    expect(runs.json.hits.map((h: { document: unknown }) => h.document)).toEqual([
      runDocument(run),
    ]);
  });
});
