import { Module } from '@nestjs/common';
import { SearchUseCases } from './application/search.use-cases';
import { SearchIndex } from './application/ports/search-index';
import { PgSearchIndex } from './infrastructure/postgres/pg-search-index';
import { SearchController } from './interface/http/search.controller';

/** Search (reference §2.9): `SearchIndex` answered by PostgreSQL, or Typesense when configured. */
@Module({
  controllers: [SearchController],
  providers: [SearchUseCases, { provide: SearchIndex, useClass: PgSearchIndex }],
})
export class SearchModule {}
