import { Injectable } from '@nestjs/common';
import { DomainError } from '@libs/core/domain-error';
import {
  collectionOf,
  COMPLETED,
  DROPPING,
  nextPhase,
  parseReindexRequest,
  progressOf,
  REINDEX_ORDER,
  ReindexProgress,
  ReindexRun,
} from '../domain/reindex';
import { reindexInProgress, reindexNotStarted } from '../domain/search.errors';
import { DocumentSink } from './ports/document-sink';
import { IndexQueue } from './ports/index-queue';
import { ReindexStore } from './ports/reindex-store';
import { SearchDocuments } from './ports/search-documents';
import { INDEXER_LEASE_MS } from './search-indexer';

/** What one step did: wrote a batch (another at once), nothing to do, or Typesense is away. */
export type ReindexStep = 'more' | 'idle' | 'paused';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Reindex (reference §2.9): drops the Typesense collections and rebuilds them from PostgreSQL,
 * one batch per step. Each step holds the indexer's lease, so a batch and an indexer round never
 * interleave: the later read is always the later write, and a change made during the run reaches
 * Typesense through the queue after the batch that read the older row. The resume point moves
 * only after its batch is written, so a crash repeats at most one batch (an upsert of the same
 * documents). Without Typesense the search reads the tables live: there is nothing to rebuild,
 * and a run completes at once with no records.
 */
@Injectable()
export class Reindexer {
  constructor(
    private readonly store: ReindexStore,
    private readonly documents: SearchDocuments,
    private readonly sink: DocumentSink,
    private readonly queue: IndexQueue,
  ) {}

  /**
   * Starts a run; the background job (any process) carries it out.
   * @throws DomainError SRCH_QUERY_INVALID (batch_size), SRCH_REINDEX_IN_PROGRESS with progress
   */
  async start(body: unknown): Promise<ReindexProgress> {
    const { batchSize } = parseReindexRequest(body);
    const current = await this.store.current();
    if (current?.status === 'in_progress') throw reindexInProgress(progressOf(current));
    let totalRecords = 0;
    if (this.sink.stores) {
      for (const c of REINDEX_ORDER) totalRecords += await this.documents.count(c);
    }
    const r = await this.store.start(
      this.sink.stores
        ? { batchSize, totalRecords, phase: DROPPING, status: 'in_progress' }
        : { batchSize, totalRecords: 0, phase: COMPLETED, status: 'completed' },
    );
    if (!r.started) throw reindexInProgress(progressOf(r.run));
    return progressOf(r.run);
  }

  /** @throws DomainError SRCH_REINDEX_NOT_STARTED before the first run */
  async progress(): Promise<ReindexProgress> {
    const run = await this.store.current();
    if (!run) throw reindexNotStarted();
    return progressOf(run);
  }

  /** One batch of the run in progress, if any and if this process gets the lease. */
  async step(): Promise<ReindexStep> {
    const seen = await this.store.current();
    if (seen?.status !== 'in_progress') return 'idle';
    if (!this.sink.stores) {
      // Started while Typesense was configured, and it no longer is.
      await this.store.finish('failed', 'typesense.dns is no longer set: nothing to rebuild');
      return 'idle';
    }
    const lease = await this.queue.lease(INDEXER_LEASE_MS);
    if (!lease) return 'idle';
    try {
      const run = await this.store.current(); // another process may have moved it meanwhile
      if (run?.status !== 'in_progress') return 'idle';
      return await this.batch(run);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e; // the database: the run resumes on a later step
      if (e.code === 'SRCH_UNAVAILABLE') {
        await this.store.pause(e.message);
        return 'paused';
      }
      await this.store.finish('failed', message(e));
      return 'idle';
    } finally {
      await this.queue.release(lease);
    }
  }

  private async batch(run: ReindexRun): Promise<ReindexStep> {
    if (run.phase === DROPPING) {
      for (const c of REINDEX_ORDER) await this.sink.drop(c);
      await this.sink.ensureCollections();
      await this.store.advance(run, { phase: nextPhase(DROPPING), position: '0' }, 0);
      return 'more';
    }
    const collection = collectionOf(run.phase);
    if (!collection) {
      await this.store.finish('completed');
      return 'idle';
    }
    const { docs, last } = await this.documents.scan(collection, run.position, run.batchSize);
    await this.sink.upsert(collection, docs);
    const to =
      docs.length < run.batchSize || !last
        ? { phase: nextPhase(run.phase), position: '0' }
        : { phase: run.phase, position: last };
    if (!(await this.store.advance(run, to, docs.length))) return 'idle';
    if (to.phase !== COMPLETED) return 'more';
    await this.store.finish('completed');
    return 'idle';
  }
}
