import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { FilterRequestDto } from '@libs/http/filter-request.dto';
import { ApiErrors, ApiList, ApiSummary, BODY_ERRORS } from '@libs/http/openapi';
import { NoIdempotencyKey } from '@libs/http/idempotency-route';
import { listBody } from '@libs/http/list-response';
import { hasFilterParams, parseFilterBody, parseQueryFilters } from '@libs/http/list-query.parse';
import { BlnkValidationPipe } from '@libs/http/validation.pipe';
import { requireEmbedScope } from '../../../auth/interface/http/embed-scope';
import { LedgerUseCases } from '../../../ledger/application/ledger.use-cases';
import { presentLedger } from '../../../ledger/interface/http/ledger.presenter';
import { BalanceUseCases } from '../../application/balance.use-cases';
import {
  BalanceView,
  CreateBalanceDto,
  MessageView,
  UpdateBalanceIdentityDto,
} from './balance.dto';
import { presentBalance, presentIdentity } from './balance.presenter';

function includes(raw: string | string[] | undefined): Set<string> {
  if (raw === undefined) return new Set();
  return new Set(Array.isArray(raw) ? raw : [raw]);
}

@ApiTags('balances')
@Controller('balances')
export class BalanceController {
  constructor(
    private readonly balances: BalanceUseCases,
    private readonly ledgers: LedgerUseCases,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiSummary('createBalance', 'Create a balance in a ledger')
  @ApiCreatedResponse({ type: BalanceView })
  @ApiErrors(...BODY_ERRORS, 404, 409)
  async create(
    @Body(new BlnkValidationPipe('GEN_VALIDATION_ERROR')) dto: CreateBalanceDto,
  ): Promise<BalanceView> {
    const b = await this.balances.create({
      ledgerId: dto.ledger_id,
      currency: dto.currency,
      identityId: dto.identity_id,
      indicator: dto.indicator,
      metaData: dto.meta_data,
      trackFundLineage: dto.track_fund_lineage,
      allocationStrategy: dto.allocation_strategy,
    });
    return presentBalance(b);
  }

  @Post('filter')
  @NoIdempotencyKey()
  @HttpCode(200)
  @ApiBody({ type: FilterRequestDto })
  @ApiSummary('filterBalances', 'List balances matching filters')
  @ApiList(BalanceView, true)
  @ApiErrors(...BODY_ERRORS)
  async filter(@Body() body: unknown): Promise<unknown> {
    const q = parseFilterBody(body);
    return listBody(await this.balances.list(q), presentBalance, q.includeCount);
  }

  @Get()
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiSummary('listBalances', 'List balances')
  @ApiList(BalanceView)
  @ApiErrors()
  async list(@Query() query: Record<string, string>): Promise<unknown> {
    const q = parseQueryFilters(query, {
      defaultLimit: 10,
      invalidLimit: 'error',
      // Filtered lists are capped at 1000 rows (reference §3.5); the plain list is not.
      maxLimit: hasFilterParams(query) ? 1000 : undefined,
    });
    return listBody(await this.balances.list(q), presentBalance, false);
  }

  @Get('indicator/:indicator/currency/:currency')
  @ApiSummary('getBalanceByIndicator', 'Get an @indicator balance by its currency')
  @ApiOkResponse({ type: BalanceView })
  @ApiErrors(404)
  async byIndicator(
    @Param('indicator') indicator: string,
    @Param('currency') currency: string,
  ): Promise<BalanceView> {
    return presentBalance(await this.balances.getByIndicator(indicator, currency));
  }

  @Get(':id')
  @ApiQuery({ name: 'include', required: false, isArray: true, enum: ['ledger', 'identity'] })
  @ApiQuery({ name: 'with_queued', required: false, type: Boolean })
  @ApiSummary('getBalance', 'Get a balance (optionally with its ledger, identity, queued amounts)')
  @ApiOkResponse({ type: BalanceView })
  @ApiErrors(404)
  async get(
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Query('include') include?: string | string[],
    @Query('with_queued') withQueued?: string,
  ): Promise<BalanceView> {
    const inc = includes(include);
    // Before the balance is read: the answer must not depend on whether it has an identity.
    if (inc.has('ledger')) requireEmbedScope(req, 'ledgers');
    if (inc.has('identity')) requireEmbedScope(req, 'identities');
    const b = await this.balances.get(id);
    const view = presentBalance(b);
    if (withQueued === 'true') {
      const q = await this.balances.queuedAmounts(id);
      view.queued_debit_balance = q.debit;
      view.queued_credit_balance = q.credit;
    }
    if (inc.has('ledger')) view.ledger = presentLedger(await this.ledgers.get(b.ledgerId));
    if (inc.has('identity') && b.identityId) {
      const identity = await this.balances.findIdentity(b.identityId);
      if (identity) view.identity = presentIdentity(identity);
    }
    return view;
  }

  @Put(':id/identity')
  @ApiSummary('setBalanceIdentity', 'Link a balance to an identity')
  @ApiOkResponse({ type: MessageView })
  @ApiErrors(...BODY_ERRORS, 404)
  async setIdentity(
    @Param('id') id: string,
    @Body(new BlnkValidationPipe('GEN_VALIDATION_ERROR')) dto: UpdateBalanceIdentityDto,
  ): Promise<MessageView> {
    await this.balances.setIdentity(id, dto.identity_id);
    return { message: 'Balance identity updated successfully' };
  }
}
