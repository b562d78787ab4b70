import { DomainError } from '@libs/core/domain-error';
import type { CollectionName, SearchDocument } from '../domain/collections';
import type { ReindexRun } from '../domain/reindex';
import { searchFailed, searchUnavailable } from '../domain/search.errors';
import { DocumentSink } from './ports/document-sink';
import { IndexQueue, QueuedEntity } from './ports/index-queue';
import { ReindexStore } from './ports/reindex-store';
import { SearchDocuments } from './ports/search-documents';
import { Reindexer } from './reindexer';

/** Rows per collection: internal position = index + 1. */
class MemoryDocuments extends SearchDocuments {
  constructor(readonly rows: Partial<Record<CollectionName, SearchDocument[]>>) {
    super();
  }
  async load(): Promise<Map<string, SearchDocument>> {
    return new Map();
  }
  async scan(c: CollectionName, after: string, limit: number) {
    const all = this.rows[c] ?? [];
    const docs = all.slice(Number(after), Number(after) + limit);
    return { docs, last: docs.length ? String(Number(after) + docs.length) : undefined };
  }
  async count(c: CollectionName): Promise<number> {
    return (this.rows[c] ?? []).length;
  }
}

class MemorySink extends DocumentSink {
  readonly stores: boolean;
  collections = new Map<string, Map<string, SearchDocument>>();
  imports: { collection: string; ids: string[] }[] = [];
  /** Errors the next calls throw, in order. */
  fail: DomainError[] = [];
  constructor(stores = true) {
    super();
    this.stores = stores;
  }
  async ensureCollections(): Promise<void> {
    for (const c of ['ledgers', 'identities', 'balances', 'transactions', 'reconciliations']) {
      if (!this.collections.has(c)) this.collections.set(c, new Map());
    }
  }
  async drop(c: CollectionName): Promise<void> {
    this.collections.delete(c);
  }
  async upsert(c: CollectionName, docs: SearchDocument[]): Promise<void> {
    const e = this.fail.shift();
    if (e) throw e;
    if (!docs.length) return;
    this.imports.push({ collection: c, ids: docs.map((d) => d.id) });
    for (const d of docs) this.collections.get(c)!.set(d.id, d);
  }
  async remove(): Promise<void> {}
}

class MemoryQueue extends IndexQueue {
  holder: string | undefined;
  n = 0;
  async setEnabled(): Promise<boolean> {
    return false;
  }
  async lease(): Promise<string | undefined> {
    if (this.holder) return undefined;
    return (this.holder = `lease-${++this.n}`);
  }
  async release(lease: string): Promise<void> {
    if (this.holder === lease) this.holder = undefined;
  }
  async peek(): Promise<QueuedEntity[]> {
    return [];
  }
  async done(): Promise<void> {}
  async pending(): Promise<number> {
    return 0;
  }
  async enqueueAll(): Promise<number> {
    return 0;
  }
}

class MemoryStore extends ReindexStore {
  run: ReindexRun | undefined;
  /** Set: the next advance throws after nothing is recorded (a crash after the upsert). */
  crashNextAdvance = false;
  async start(r: Parameters<ReindexStore['start']>[0]) {
    if (this.run?.status === 'in_progress') return { started: false, run: { ...this.run } };
    this.run = {
      status: r.status,
      phase: r.phase,
      totalRecords: r.totalRecords,
      processedRecords: 0,
      errors: [],
      batchSize: r.batchSize,
      position: '0',
      startedAt: new Date(),
      completedAt: r.status === 'completed' ? new Date() : undefined,
    };
    return { started: true, run: { ...this.run } };
  }
  async current() {
    return this.run && { ...this.run, errors: [...this.run.errors] };
  }
  async advance(
    from: { phase: string; position: string },
    to: { phase: string; position: string },
    written: number,
  ) {
    if (this.crashNextAdvance) {
      this.crashNextAdvance = false;
      throw new Error('process killed');
    }
    const r = this.run;
    if (!r || r.status !== 'in_progress' || r.phase !== from.phase || r.position !== from.position)
      return false;
    Object.assign(r, to, {
      processedRecords: r.processedRecords + written,
      pausedAt: undefined,
      pauseReason: undefined,
    });
    r.totalRecords = Math.max(r.totalRecords, r.processedRecords);
    return true;
  }
  async pause(reason: string | undefined) {
    if (this.run?.status !== 'in_progress') return;
    this.run.pauseReason = reason;
    this.run.pausedAt = reason ? (this.run.pausedAt ?? new Date()) : undefined;
  }
  async finish(status: 'completed' | 'failed', error?: string) {
    if (this.run?.status !== 'in_progress') return;
    this.run.status = status;
    if (status === 'completed') this.run.phase = 'completed';
    this.run.completedAt = new Date();
    if (error) this.run.errors.push(error);
  }
}

const docs = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}_${i + 1}` }));

function setup(stores = true) {
  const documents = new MemoryDocuments({
    ledgers: docs('ldg', 1),
    balances: docs('bln', 3),
    transactions: docs('txn', 5),
  });
  const sink = new MemorySink(stores);
  const store = new MemoryStore();
  const queue = new MemoryQueue();
  return { documents, sink, store, queue, r: new Reindexer(store, documents, sink, queue) };
}

async function drain(r: Reindexer): Promise<number> {
  let steps = 0;
  while ((await r.step()) === 'more') steps++;
  return steps;
}

describe('Reindexer', () => {
  it('drops, then writes each collection in batches, in dependency order', async () => {
    const s = setup();
    s.sink.collections.set('ledgers', new Map([['stale', { id: 'stale' }]]));
    const p = await s.r.start({ batch_size: 2 });
    expect(p).toMatchObject({ status: 'in_progress', phase: 'dropping_collections' });
    expect(p.total_records).toBe(9);
    await drain(s.r);
    expect(s.sink.imports).toEqual([
      { collection: 'ledgers', ids: ['ldg_1'] },
      { collection: 'balances', ids: ['bln_1', 'bln_2'] },
      { collection: 'balances', ids: ['bln_3'] },
      { collection: 'transactions', ids: ['txn_1', 'txn_2'] },
      { collection: 'transactions', ids: ['txn_3', 'txn_4'] },
      { collection: 'transactions', ids: ['txn_5'] },
    ]);
    expect(s.sink.collections.get('ledgers')!.has('stale')).toBe(false);
    expect(await s.r.progress()).toMatchObject({
      status: 'completed',
      phase: 'completed',
      processed_records: 9,
      total_records: 9,
    });
    expect(s.queue.holder).toBeUndefined();
  });

  it('a crash after a batch is written repeats that batch once, and counts it once', async () => {
    const s = setup();
    await s.r.start({ batch_size: 2 });
    for (let i = 0; i < 4; i++) await s.r.step(); // drop, ledgers, two batches of balances
    expect((await s.r.progress()).phase).toBe('indexing_balances');
    s.store.crashNextAdvance = true;
    await expect(s.r.step()).rejects.toThrow('process killed'); // the step after bln_3
    expect(s.queue.holder).toBeUndefined();
    await drain(s.r);
    const balances = s.sink.imports.filter((i) => i.collection === 'balances');
    expect(balances.map((i) => i.ids)).toEqual([['bln_1', 'bln_2'], ['bln_3'], ['bln_3']]);
    expect(await s.r.progress()).toMatchObject({ status: 'completed', processed_records: 9 });
    expect([...s.sink.collections.get('transactions')!.keys()]).toEqual(
      docs('txn', 5).map((d) => d.id),
    );
  });

  it('pauses while Typesense is away and fails on what waiting will not fix', async () => {
    const s = setup();
    await s.r.start({});
    await s.r.step();
    s.sink.fail.push(searchUnavailable('connect ECONNREFUSED'));
    expect(await s.r.step()).toBe('paused');
    expect(await s.r.progress()).toMatchObject({ paused: true, processed_records: 0 });
    expect(await s.r.step()).toBe('more');
    expect(await s.r.progress()).toMatchObject({ paused: false, processed_records: 1 });
    s.sink.fail.push(searchFailed('import refused 1: bad field'));
    expect(await s.r.step()).toBe('idle');
    const p = await s.r.progress();
    expect(p).toMatchObject({ status: 'failed', phase: 'indexing_identities' });
    expect(p.errors).toEqual(['search failed: import refused 1: bad field']);
    expect(await s.r.step()).toBe('idle');
  });

  it('does nothing while another holds the lease', async () => {
    const s = setup();
    await s.r.start({});
    s.queue.holder = 'another process';
    expect(await s.r.step()).toBe('idle');
    expect((await s.r.progress()).phase).toBe('dropping_collections');
  });

  it('refuses a second start while one runs, and a bad batch_size', async () => {
    const s = setup();
    await expect(s.r.progress()).rejects.toMatchObject({ code: 'SRCH_REINDEX_NOT_STARTED' });
    await expect(s.r.start({ batch_size: 10_001 })).rejects.toMatchObject({
      code: 'SRCH_QUERY_INVALID',
    });
    await expect(s.r.start({ size: 1 })).rejects.toMatchObject({ code: 'SRCH_QUERY_INVALID' });
    await s.r.start(undefined);
    await expect(s.r.start({})).rejects.toMatchObject({
      code: 'SRCH_REINDEX_IN_PROGRESS',
      extra: { progress: expect.objectContaining({ status: 'in_progress' }) },
    });
  });

  it('without Typesense: a run completes at once with nothing to rebuild', async () => {
    const s = setup(false);
    expect(await s.r.start({})).toMatchObject({
      status: 'completed',
      total_records: 0,
      processed_records: 0,
    });
    expect(await s.r.step()).toBe('idle');
    expect(s.sink.imports).toEqual([]);
  });
});
