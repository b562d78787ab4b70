import { DocumentSink } from '../../src/modules/search/application/ports/document-sink';
import { IndexQueue } from '../../src/modules/search/application/ports/index-queue';
import { SearchDocuments } from '../../src/modules/search/application/ports/search-documents';
import { Reindexer } from '../../src/modules/search/application/reindexer';
import { SearchIndexer } from '../../src/modules/search/application/search-indexer';
import { SearchSettings } from '../../src/modules/search/application/search-settings';
import { startTestApp, TestApp } from '../support/app';
import { fingerprint } from '../support/fingerprint';
import {
  driveRun,
  amountAndReferenceRule,
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

const count = async (t: TestApp, sql: string) => ((await t.ds.query(sql)) as { n: number }[])[0].n;

/** Once every queued change is in Typesense. */
const drained = (t: TestApp) =>
  waitFor(
    async () =>
      (await count(t, `SELECT count(*)::int AS n FROM search_index_queue`)) === 0
        ? true
        : undefined,
    10_000,
    'the queue drained',
  );

/** The progress of the run in progress once it has completed. */
const completion = (t: TestApp) =>
  waitFor(
    async () => {
      const p = (await t.http('GET', '/search/reindex')).json;
      return p.status === 'completed' ? p : undefined;
    },
    15_000,
    'reindex completed',
  );

/** Every scenario query answers the hits PostgreSQL holds: the index is whole again. */
async function expectScenarioHits(t: TestApp, s: SearchScenario): Promise<void> {
  for (const q of SCENARIO_QUERIES) {
    const r = await t.http('POST', `/search/${q.collection}`, q.body);
    expect([q.name, r.status]).toEqual([q.name, 201]);
    expect([q.name, [...ids(r)].sort()]).toEqual([q.name, [...q.expect(s)].sort()]);
  }
}

/**
 * POST / GET /search/reindex with Typesense (a loopback fake), in a process whose background
 * work is off so each batch is stepped by hand: progress batch by batch, one run at a time,
 * a crash resumed by another process from the resume point, pauses while Typesense is away;
 * searches while Typesense is away answer 503; one indexing round writes a balance before the
 * transaction naming it.
 */
describe('search reindex on Typesense, stepped', () => {
  let fake: TypesenseFake;
  let t: TestApp;
  let s: SearchScenario;
  let reindexer: Reindexer;

  beforeAll(async () => {
    fake = await startTypesenseFake();
    t = await startTestApp({ workers: false, search: new SearchSettings(fake.url, fake.key, 20) });
    // The feed as the indexer job turns it on, so the crash test's second process queues nothing.
    await t.app.get(IndexQueue).setEnabled(true);
    s = await seedSearchScenario(t);
    reindexer = t.app.get(Reindexer);
  });
  afterAll(async () => {
    await t.close();
    await fake.close().catch(() => undefined);
  });

  const progress = async () => (await t.http('GET', '/search/reindex')).json;

  it('GET /search/reindex is 404 SRCH_REINDEX_NOT_STARTED before any run', async () => {
    const r = await t.http('GET', '/search/reindex');
    expect(r.status).toBe(404);
    expect(r.json.error_detail.code).toBe('SRCH_REINDEX_NOT_STARTED');
  });

  it('refuses a bad batch_size with 400 naming it, writing nothing', async () => {
    const before = await fingerprint(t.ds);
    for (const body of [{ batch_size: 0 }, { batch_size: 1.5 }, { batch_size: 'x' }, [1]]) {
      const r = await t.http('POST', '/search/reindex', body);
      expect(r.status).toBe(400);
      expect(r.json.error_detail.code).toBe('SRCH_QUERY_INVALID');
    }
    expect(await fingerprint(t.ds)).toEqual(before);
    expect((await t.http('GET', '/search/reindex')).status).toBe(404);
  });

  it('starts with 202 and progress; a second start while it runs is 409 with progress', async () => {
    const total =
      (await count(t, `SELECT count(*)::int AS n FROM ledgers`)) +
      (await count(t, `SELECT count(*)::int AS n FROM identity`)) +
      (await count(t, `SELECT count(*)::int AS n FROM balances`)) +
      (await count(t, `SELECT count(*)::int AS n FROM transactions`)) +
      (await count(t, `SELECT count(*)::int AS n FROM reconciliations`));
    expect(await count(t, `SELECT count(*)::int AS n FROM reconciliations`)).toBe(RUN_NAMES.length);
    const r = await t.http('POST', '/search/reindex', { batch_size: 2 });
    expect(r.status).toBe(202);
    expect(r.json).toEqual({
      message: 'Reindex operation started',
      progress: {
        status: 'in_progress',
        phase: 'dropping_collections',
        total_records: total,
        processed_records: 0,
        started_at: expect.any(String),
        paused: false,
      },
    });
    const before = await fingerprint(t.ds);
    const again = await t.http('POST', '/search/reindex', {});
    expect(again.status).toBe(409);
    expect(again.json.error).toBe('A reindex operation is already in progress');
    expect(again.json.progress).toEqual(r.json.progress);
    expect(again.json.error_detail.code).toBe('SRCH_REINDEX_IN_PROGRESS');
    expect(again.json.error_detail.details).toEqual(r.json.progress);
    expect(await fingerprint(t.ds)).toEqual(before);
    const get = await t.http('GET', '/search/reindex');
    expect(get.status).toBe(200);
    expect(get.json).toEqual(r.json.progress);
  });

  it('drops the collections, then writes batch by batch with the progress visible', async () => {
    fake.collections.get('ledgers')?.set('ldg_stale', { id: 'ldg_stale' });
    expect(await reindexer.step()).toBe('more');
    expect(fake.collections.get('ledgers')!.has('ldg_stale')).toBe(false); // dropped, recreated
    let p = await progress();
    expect(p).toMatchObject({ phase: 'indexing_ledgers', processed_records: 0 });
    const position = async () =>
      ((await t.ds.query(`SELECT position FROM search_reindex`)) as { position: string }[])[0]
        .position;
    const seen: number[] = [p.processed_records];
    // Until the first batch of transactions is written: later tests need batches left.
    while (p.phase !== 'indexing_transactions' || (await position()) === '0') {
      expect(await reindexer.step()).toBe('more');
      p = await progress();
      seen.push(p.processed_records);
      if (seen.length > 40) throw new Error('no progress');
    }
    // Each step moved the count on by at most a batch; none went back.
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i] - seen[i - 1]).toBeGreaterThanOrEqual(0);
      expect(seen[i] - seen[i - 1]).toBeLessThanOrEqual(2);
    }
    expect(p.processed_records).toBeGreaterThan(0);
    expect(p.status).toBe('in_progress');
  });

  it('is paused while Typesense is down and goes on when it is back', async () => {
    const before = await progress();
    fake.down = true;
    expect(await reindexer.step()).toBe('paused');
    const paused = await progress();
    expect(paused).toMatchObject({
      status: 'in_progress',
      paused: true,
      processed_records: before.processed_records,
      phase: before.phase,
    });
    expect(paused.pause_reason).toMatch(/unavailable/);
    expect(Date.parse(paused.paused_at)).not.toBeNaN();
    // A search meanwhile: 503 with a clear code, never the 500 of a server fault.
    const r = await t.http('POST', '/search/transactions', { q: '*' });
    expect(r.status).toBe(503);
    expect(r.json.error_detail.code).toBe('SRCH_UNAVAILABLE');
    fake.down = false;
    expect(await reindexer.step()).toBe('more');
    const resumed = await progress();
    expect(resumed.paused).toBe(false);
    expect(resumed.pause_reason).toBeUndefined();
    expect(resumed.processed_records).toBeGreaterThan(before.processed_records);
  });

  it('resumes a crashed run in another process from the resume point, one process at a time', async () => {
    // The crashed process: it wrote the next batch to Typesense and died before moving the
    // resume point, holding the lease.
    const run = await progress();
    const [{ position }] = (await t.ds.query(`SELECT position FROM search_reindex`)) as {
      position: string;
    }[];
    const { docs } = await t.app.get(SearchDocuments).scan('transactions', position, 2);
    expect(docs.length).toBe(2);
    await t.app.get(DocumentSink).upsert('transactions', docs);
    // Held for an hour: the check below must not depend on how long the next start takes.
    await t.ds.query(`UPDATE search_feed SET lease_until = now() + interval '1 hour'`);
    await t.ds.query(`DELETE FROM search_index_queue`); // what the indexer would have done
    const mark = fake.imports.length;

    const t2 = await startTestApp({
      shareDatabaseOf: t,
      search: new SearchSettings(fake.url, fake.key, 20),
    });
    try {
      await new Promise((r) => setTimeout(r, 700));
      expect(fake.imports.length).toBe(mark); // the lease is another process's still
      // The crashed holder's lease runs out.
      await t.ds.query(`UPDATE search_feed SET lease_until = now() - interval '1 second'`);
      const done = await completion(t2);
      expect(done).toMatchObject({ phase: 'completed', paused: false });
      expect(done.processed_records).toBe(done.total_records);
      expect(done.processed_records).toBe(run.total_records);
      expect(Date.parse(done.completed_at)).not.toBeNaN();
      const after = fake.imports.slice(mark);
      // Only what was left: the crashed batch once more, the rest of the transactions, then
      // the reconciliations.
      const tail = after.findIndex((i) => i.collection !== 'transactions');
      expect(after.slice(tail).map((i) => i.collection)).toEqual(
        after.slice(tail).map(() => 'reconciliations'),
      );
      expect(tail).toBeGreaterThan(0);
      expect(after[0].ids).toEqual(docs.map((d) => d.id));
      const txIds = (
        (await t.ds.query(`SELECT transaction_id FROM transactions`)) as {
          transaction_id: string;
        }[]
      ).map((r) => r.transaction_id);
      expect([...fake.collections.get('transactions')!.keys()].sort()).toEqual(txIds.sort());
      const imported = after.flatMap((i) => i.ids);
      expect(new Set(imported).size).toBe(imported.length); // nothing else written twice
      for (const [c, table] of [
        ['ledgers', 'ledgers'],
        ['identities', 'identity'],
        ['balances', 'balances'],
        ['reconciliations', 'reconciliations'],
      ]) {
        expect(fake.collections.get(c)!.size).toBe(
          await count(t, `SELECT count(*)::int AS n FROM ${table}`),
        );
      }
      await expectScenarioHits(t2, s);
    } finally {
      await t2.close();
    }
  });

  it('starts one run when several starts race', async () => {
    const rs = await Promise.all(
      [1, 2, 3, 4, 5].map(() => t.http('POST', '/search/reindex', { batch_size: 50 })),
    );
    expect(rs.map((r) => r.status).sort()).toEqual([202, 409, 409, 409, 409]);
    expect(rs.filter((r) => r.status === 409).map((r) => r.json.progress.status)).toEqual([
      'in_progress',
      'in_progress',
      'in_progress',
      'in_progress',
    ]);
  });

  it('one indexing round writes a balance before the transaction naming it', async () => {
    await t.app
      .get(IndexQueue)
      .done(
        ((await t.ds.query(`SELECT seq::text FROM search_index_queue`)) as { seq: string }[]).map(
          (r) => r.seq,
        ),
      );
    // Both in the queue before any round: the balance is made by the transaction itself.
    const tx = await t.http('POST', '/transactions', {
      amount: 7,
      precision: 100,
      currency: 'NGN',
      reference: 'same-round',
      description: 'same round',
      source: '@SameRoundSource',
      destination: '@SameRoundDest',
      allow_overdraft: true,
      skip_queue: true,
    });
    expect(tx.status).toBe(201);
    const queued = (await t.ds.query(
      `SELECT collection, entity_id FROM search_index_queue ORDER BY seq`,
    )) as { collection: string; entity_id: string }[];
    const balanceIds = [tx.json.source, tx.json.destination];
    expect(queued.filter((q) => q.collection === 'balances').map((q) => q.entity_id)).toEqual(
      expect.arrayContaining(balanceIds),
    );
    expect(queued.filter((q) => q.collection === 'transactions').length).toBe(1);
    const mark = fake.imports.length;
    expect(await t.app.get(SearchIndexer).round()).toBe(queued.length);
    const round = fake.imports.slice(mark);
    expect(await count(t, `SELECT count(*)::int AS n FROM search_index_queue`)).toBe(0);
    const balanceImport = round.findIndex(
      (i) => i.collection === 'balances' && balanceIds.every((id) => i.ids.includes(id)),
    );
    const txImport = round.findIndex(
      (i) => i.collection === 'transactions' && i.ids.includes(tx.json.transaction_id),
    );
    expect(balanceImport).toBeGreaterThanOrEqual(0);
    expect(txImport).toBeGreaterThan(balanceImport);
  });

  it('queues a run when a field of its document changes, not when only its checkpoint or lease moves', async () => {
    await t.ds.query(`DELETE FROM search_index_queue`);
    const id = String(s.runs.none.reconciliation_id);
    const queued = async () =>
      (await t.ds.query(`SELECT collection, entity_id FROM search_index_queue ORDER BY seq`)) as {
        collection: string;
        entity_id: string;
      }[];
    const update = (set: string) =>
      t.ds.query(`UPDATE reconciliations SET ${set} WHERE reconciliation_id = $1`, [id]);
    // What a run's batches write besides its counts, and a count written unchanged.
    await update(`checkpoint = checkpoint + 1, processed = processed + 1, lease_owner = 'w',
      lease_until = now(), attempts = attempts + 1, matched = matched`);
    await update(`checkpoint = checkpoint - 1, processed = processed - 1, lease_owner = NULL,
      lease_until = NULL, attempts = attempts - 1`);
    expect(await queued()).toEqual([]);
    await update(`unmatched = unmatched + 1`);
    await update(`unmatched = unmatched - 1`);
    expect(await queued()).toEqual([
      { collection: 'reconciliations', entity_id: id },
      { collection: 'reconciliations', entity_id: id },
    ]);
    await t.ds.query(`DELETE FROM search_index_queue`);
  });

  it('resumes a run crashed inside reconciliations, whose resume point is a time and a text id', async () => {
    for (let i = 0; (await reindexer.step()) !== 'idle'; i++) {
      if (i > 100) throw new Error('the run in progress never ended');
    }
    await t.ds.query(`DELETE FROM search_index_queue`);
    expect((await t.http('POST', '/search/reindex', { batch_size: 1 })).status).toBe(202);
    const position = async () =>
      ((await t.ds.query(`SELECT position FROM search_reindex`)) as { position: string }[])[0]
        .position;
    for (let i = 0; ; i++) {
      const p = await progress();
      if (p.phase === 'indexing_reconciliations' && (await position()) !== '0') break;
      if (i > 200) throw new Error('never reached the second reconciliation');
      expect(await reindexer.step()).toBe('more');
    }
    // The crashed process wrote the next batch (the second run) and died holding the lease.
    const resume = await position();
    const { docs } = await t.app.get(SearchDocuments).scan('reconciliations', resume, 1);
    expect(docs.length).toBe(1);
    // The scan walks the runs by start time (RUN_NAMES order), then by their text id.
    const runIds = RUN_NAMES.map((n) => String(s.runs[n].reconciliation_id));
    expect(docs[0].id).toBe(runIds[1]);
    await t.app.get(DocumentSink).upsert('reconciliations', docs);
    await t.ds.query(`UPDATE search_feed SET lease_until = now() + interval '1500 milliseconds'`);
    const mark = fake.imports.length;
    const t2 = await startTestApp({
      shareDatabaseOf: t,
      search: new SearchSettings(fake.url, fake.key, 20),
    });
    try {
      const done = await completion(t2);
      expect(done.processed_records).toBe(done.total_records);
      const after = fake.imports.slice(mark);
      // The crashed batch once more, then the one run left; nothing before it again.
      expect(after).toEqual([
        { collection: 'reconciliations', ids: [runIds[1]] },
        { collection: 'reconciliations', ids: [runIds[2]] },
      ]);
      const stored = fake.collections.get('reconciliations')!;
      expect([...stored.keys()].sort()).toEqual([...runIds].sort());
      for (const name of RUN_NAMES) {
        const run = (await t.http('GET', `/reconciliation/${s.runs[name].reconciliation_id}`)).json;
        expect(stored.get(run.reconciliation_id)).toEqual(runDocument(run));
      }
    } finally {
      await t2.close();
    }
  });

  it('answers 503 SRCH_UNAVAILABLE when Typesense is stopped, search and multi-search', async () => {
    await fake.close();
    const r = await t.http('POST', '/search/balances', { q: '*' });
    expect(r.status).toBe(503);
    expect(r.json.error_detail.code).toBe('SRCH_UNAVAILABLE');
    expect(r.json.error).toMatch(/retry later/);
    const m = await t.http('POST', '/multi-search', { searches: [{ collection: 'ledgers' }] });
    expect(m.status).toBe(503);
    expect(m.json.error_detail.code).toBe('SRCH_UNAVAILABLE');
  });

  it('a holder whose lease ran out does not free the next holder’s', async () => {
    const queue = t.app.get(IndexQueue);
    await t.ds.query(`UPDATE search_feed SET lease_until = NULL`);
    const stale = await queue.lease(60_000);
    expect(stale).toBeDefined();
    expect(await queue.lease(60_000)).toBeUndefined(); // held
    // Its lease runs out (set, not slept: a 30 ms lease ran out before the check under load).
    await t.ds.query(`UPDATE search_feed SET lease_until = now() - interval '1 second'`);
    const next = await queue.lease(60_000);
    expect(next).toBeDefined();
    await queue.release(stale!); // the slow round ends after its lease ran out
    expect(await queue.lease(60_000)).toBeUndefined(); // still the next holder's
    await queue.release(next!);
    const again = await queue.lease(60_000);
    expect(again).toBeDefined();
    await queue.release(again!);
  });
});

/**
 * The whole path with background work on: a collection emptied behind Neraca's back is rebuilt
 * by POST /search/reindex carried out by the reindex job.
 */
describe('search reindex on Typesense, by the background job', () => {
  let fake: TypesenseFake;
  let t: TestApp;
  let s: SearchScenario;

  beforeAll(async () => {
    fake = await startTypesenseFake();
    t = await startTestApp({ search: new SearchSettings(fake.url, fake.key, 20) });
    s = await seedSearchScenario(t);
    await drained(t);
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  it('rebuilds a collection emptied in Typesense', async () => {
    fake.collections.get('transactions')!.clear();
    const empty = await t.http('POST', '/search/transactions', { q: '*' });
    expect(empty.json.found).toBe(0);
    const r = await t.http('POST', '/search/reindex', { batch_size: 3 });
    expect(r.status).toBe(202);
    const done = await completion(t);
    expect(done.processed_records).toBe(r.json.progress.total_records);
    expect(done.errors).toBeUndefined();
    await expectScenarioHits(t, s);
    const all = await t.http('POST', '/search/transactions', { q: '*', per_page: 100 });
    expect(all.json.found).toBe(await count(t, `SELECT count(*)::int AS n FROM transactions`));
  });

  it('keeps runs of one second newest first after a rebuild, as PostgreSQL orders them', async () => {
    // Two runs, the later one with the smaller id (so an id-ordered rebuild would invert them),
    // moved into one second with their order kept: sort keys tie, insertion order decides.
    const rule = await amountAndReferenceRule(t);
    const start = (i: number) =>
      startInstantRun(t, rule, [{ id: `tie-${i}`, amount: 5, reference: 'tie' }]);
    let [older, newer] = [await start(0), await start(1)];
    for (let i = 2; older < newer; i++) [older, newer] = [newer, await start(i)];
    await t.ds.query(
      `UPDATE reconciliations SET started_at = date_trunc('second', now())
         + CASE WHEN reconciliation_id = $1 THEN interval '100 ms' ELSE interval '900 ms' END
       WHERE reconciliation_id IN ($1, $2)`,
      [older, newer],
    );
    for (const id of [older, newer]) await driveRun(t, id);
    const body = { filter_by: `reconciliation_id:[${older},${newer}]` };
    await drained(t);
    expect(ids(await t.http('POST', '/search/reconciliations', body))).toEqual([newer, older]);
    const reindex = await t.http('POST', '/search/reindex', { batch_size: 1 });
    expect(reindex.status).toBe(202);
    await completion(t);
    const hits = await t.http('POST', '/search/reconciliations', body);
    expect(ids(hits)).toEqual([newer, older]);
  });

  it('sends one round the documents it first indexes in scan order, so live ties rank as rebuilt', async () => {
    // Two runs in one second, the later with the smaller id; both forgotten by Typesense and then
    // changed in one statement, so one indexer round brings both back. Read back in id order (as
    // an index plan on `= ANY(ids)` gives them), the later would arrive first and rank older.
    const rule = await amountAndReferenceRule(t);
    const start = (i: number) =>
      startInstantRun(t, rule, [{ id: `round-tie-${i}`, amount: 5, reference: 'round-tie' }]);
    let [older, newer] = [await start(0), await start(1)];
    for (let i = 2; older < newer; i++) [older, newer] = [newer, await start(i)];
    for (const id of [older, newer]) await driveRun(t, id); // nothing else changes them after
    await drained(t);
    const docs = fake.collections.get('reconciliations')!;
    docs.delete(older);
    docs.delete(newer);
    const before = fake.imports.length;
    await t.ds.query(
      `UPDATE reconciliations SET started_at = date_trunc('second', now())
         + CASE WHEN reconciliation_id = $1 THEN interval '100 ms' ELSE interval '900 ms' END
       WHERE reconciliation_id IN ($1, $2)`,
      [older, newer],
    );
    await drained(t);
    // What ranks them is the import that brought them back: both in it, older first.
    const back = fake.imports
      .slice(before)
      .find(
        (i) =>
          i.collection === 'reconciliations' && (i.ids.includes(older) || i.ids.includes(newer)),
      );
    expect(back?.ids.filter((id) => id === older || id === newer)).toEqual([older, newer]);
    const body = { filter_by: `reconciliation_id:[${older},${newer}]` };
    expect(ids(await t.http('POST', '/search/reconciliations', body))).toEqual([newer, older]);
  });

  it('loses no change made while a run is going on', async () => {
    const r = await t.http('POST', '/search/reindex', { batch_size: 1 });
    expect(r.status).toBe(202);
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const tx = await t.http('POST', '/transactions', {
        amount: 1 + i,
        precision: 100,
        currency: 'USD',
        reference: `during-reindex-${i}`,
        description: 'made during a reindex',
        source: '@World',
        destination: s.balances.usd,
        allow_overdraft: true,
        skip_queue: true,
      });
      expect(tx.status).toBe(201);
      made.push(tx.json.transaction_id);
    }
    // A run started and finished meanwhile: inserted, then its status and counts changed.
    const run = await driveRun(
      t,
      await startInstantRun(t, await amountAndReferenceRule(t), [
        { id: 'during-reindex-line', amount: 1, reference: 'during-reindex-0' },
      ]),
    );
    await completion(t);
    await drained(t);
    const found = await t.http('POST', '/search/transactions', {
      q: 'during reindex',
      query_by: 'description',
      per_page: 10,
    });
    expect([...ids(found)].sort()).toEqual([...made].sort());
    // The balance they moved shows what the API shows, not what a batch read before them.
    const doc = fake.collections.get('balances')!.get(s.balances.usd)!;
    const api = await t.http('GET', `/balances/${s.balances.usd}`);
    expect(doc.balance).toBe(String(api.json.balance));
    expect(fake.collections.get('transactions')!.size).toBe(
      await count(t, `SELECT count(*)::int AS n FROM transactions`),
    );
    expect(run).toMatchObject({ status: 'completed', matched_transactions: 1 });
    const runDoc = fake.collections.get('reconciliations')!.get(String(run.reconciliation_id));
    expect(runDoc).toEqual(runDocument(run));
    expect(fake.collections.get('reconciliations')!.size).toBe(
      await count(t, `SELECT count(*)::int AS n FROM reconciliations`),
    );
  });
});
