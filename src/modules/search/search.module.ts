import { DynamicModule, Module, Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SearchUseCases } from './application/search.use-cases';
import { SearchIndex } from './application/ports/search-index';
import { DocumentSink } from './application/ports/document-sink';
import { IndexQueue } from './application/ports/index-queue';
import { SearchDocuments } from './application/ports/search-documents';
import { SearchIndexer } from './application/search-indexer';
import { Reindexer } from './application/reindexer';
import { ReindexStore } from './application/ports/reindex-store';
import { SearchSettings } from './application/search-settings';
import { NoopSink } from './infrastructure/memory/noop-sink';
import { PgIndexQueue } from './infrastructure/postgres/index-queue.pg';
import { PgSearchDocuments } from './infrastructure/postgres/search-documents.pg';
import { PgSearchIndex } from './infrastructure/postgres/pg-search-index';
import { PgReindexStore } from './infrastructure/postgres/reindex-store.pg';
import { typesenseClient } from './infrastructure/typesense/typesense-client';
import {
  TypesenseSearchIndex,
  TypesenseSink,
} from './infrastructure/typesense/typesense-search-index';
import { SearchController } from './interface/http/search.controller';
import { SearchIndexerJob } from './interface/jobs/search-indexer.job';
import { SearchReindexJob } from './interface/jobs/search-reindex.job';

/** Binds the ports: Typesense when `typesense.dns` is set, PostgreSQL otherwise. */
function providers(settings: SearchSettings): Provider[] {
  const typesense = settings.typesense ? typesenseClient(settings) : undefined;
  return [
    { provide: SearchSettings, useValue: settings },
    typesense
      ? { provide: SearchIndex, useValue: new TypesenseSearchIndex(typesense) }
      : {
          provide: SearchIndex,
          useFactory: (db: DataSource) => new PgSearchIndex(db),
          inject: [DataSource],
        },
    { provide: DocumentSink, useValue: typesense ? new TypesenseSink(typesense) : new NoopSink() },
    { provide: SearchDocuments, useClass: PgSearchDocuments },
    { provide: IndexQueue, useClass: PgIndexQueue },
    { provide: ReindexStore, useClass: PgReindexStore },
    SearchIndexer,
    SearchIndexerJob,
    Reindexer,
    SearchReindexJob,
  ];
}

/** The reindexer outside Nest, for `neraca search reindex` (the same adapters as the module's). */
export function standaloneReindexer(db: DataSource, settings: SearchSettings): Reindexer {
  const typesense = settings.typesense ? typesenseClient(settings) : undefined;
  return new Reindexer(
    new PgReindexStore(db),
    new PgSearchDocuments(db),
    typesense ? new TypesenseSink(typesense) : new NoopSink(),
    new PgIndexQueue(db),
  );
}

/** The indexing side alone, for `neraca workers`. */
@Module({})
export class SearchCoreModule {
  static with(settings = new SearchSettings()): DynamicModule {
    return {
      module: SearchCoreModule,
      providers: providers(settings),
      exports: [SearchIndexerJob, SearchReindexJob],
    };
  }
}

/** Search (reference §2.9): the routes, and the indexer job for the background work. */
@Module({})
export class SearchModule {
  static with(settings = new SearchSettings()): DynamicModule {
    return {
      module: SearchModule,
      controllers: [SearchController],
      providers: [...providers(settings), SearchUseCases],
      exports: [SearchIndexerJob, SearchReindexJob],
    };
  }
}
