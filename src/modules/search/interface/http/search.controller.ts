import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiErrors, ApiSummary, BODY_ERRORS } from '@libs/http/openapi';
import { NoIdempotencyKey } from '@libs/http/idempotency-route';
import { requireScopes } from '../../../auth/interface/http/embed-scope';
import type { Resource } from '../../../auth/interface/http/embed-scope';
import { SearchUseCases } from '../../application/search.use-cases';
import { Reindexer } from '../../application/reindexer';
import { isCollection } from '../../domain/collections';
import {
  MultiSearchDto,
  MultiSearchResultView,
  ReindexProgressView,
  ReindexRequestDto,
  ReindexStartedView,
  SearchParamsDto,
  SearchResultView,
} from './search.dto';

/** A search shows documents of the collection: a scoped key needs that resource's read scope. */
const RESOURCE: Record<string, Resource> = {
  ledgers: 'ledgers',
  balances: 'balances',
  transactions: 'transactions',
  identities: 'identities',
  reconciliations: 'reconciliation',
};

function requireCollectionRead(req: FastifyRequest, collection: unknown): void {
  if (typeof collection === 'string' && isCollection(collection)) {
    requireScopes(req, RESOURCE[collection], ['read']);
  }
}

@ApiTags('search')
@Controller()
export class SearchController {
  constructor(
    private readonly searches: SearchUseCases,
    private readonly reindexer: Reindexer,
  ) {}

  // Static routes: the router tries them before search/:collection. Scopes come from the path
  // and method like every route's: POST needs search:write, GET search:read.
  @Post('search/reindex')
  @NoIdempotencyKey()
  @HttpCode(202)
  @ApiBody({ type: ReindexRequestDto, required: false })
  @ApiSummary('startReindex', 'Rebuild the Typesense collections from PostgreSQL')
  @ApiAcceptedResponse({ type: ReindexStartedView })
  @ApiErrors(...BODY_ERRORS, 409)
  async startReindex(@Body() body: unknown): Promise<unknown> {
    return { message: 'Reindex operation started', progress: await this.reindexer.start(body) };
  }

  @Get('search/reindex')
  @ApiSummary('getReindexStatus', 'Progress of the latest reindex run')
  @ApiOkResponse({ type: ReindexProgressView })
  @ApiErrors(404)
  async reindexProgress(): Promise<unknown> {
    return this.reindexer.progress();
  }

  @Post('search/:collection')
  @NoIdempotencyKey()
  @HttpCode(201)
  @ApiBody({ type: SearchParamsDto })
  @ApiSummary('search', 'Search one collection (Typesense parameters)')
  @ApiCreatedResponse({ type: SearchResultView })
  @ApiErrors(...BODY_ERRORS, 503)
  async search(
    @Req() req: FastifyRequest,
    @Param('collection') collection: string,
    @Body() body: unknown,
  ): Promise<unknown> {
    requireCollectionRead(req, collection);
    return this.searches.search(collection, body ?? {});
  }

  @Post('multi-search')
  @NoIdempotencyKey()
  @HttpCode(200)
  @ApiBody({ type: MultiSearchDto })
  @ApiSummary('multiSearch', 'Run several searches at once')
  @ApiOkResponse({ type: MultiSearchResultView })
  @ApiErrors(...BODY_ERRORS, 503)
  async multiSearch(@Req() req: FastifyRequest, @Body() body: unknown): Promise<unknown> {
    const searches = (body as { searches?: unknown } | null)?.searches;
    if (Array.isArray(searches)) {
      for (const s of searches)
        requireCollectionRead(req, (s as { collection?: unknown })?.collection);
    }
    return this.searches.multiSearch(body);
  }
}
