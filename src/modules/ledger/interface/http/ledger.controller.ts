import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiCreatedResponse, ApiTags, ApiQuery } from '@nestjs/swagger';
import { ApiErrors, ApiList, ApiSummary, BODY_ERRORS } from '@libs/http/openapi';
import { NoIdempotencyKey } from '@libs/http/idempotency-route';
import { BlnkValidationPipe } from '@libs/http/validation.pipe';
import { listBody } from '@libs/http/list-response';
import { FilterRequestDto } from '@libs/http/filter-request.dto';
import { parseFilterBody, parseQueryFilters } from '@libs/http/list-query.parse';
import { LedgerUseCases } from '../../application/ledger.use-cases';
import { CreateLedgerDto, LedgerView, UpdateLedgerDto } from './ledger.dto';
import { presentLedger } from './ledger.presenter';

@ApiTags('ledgers')
@Controller('ledgers')
export class LedgerController {
  constructor(private readonly ledgers: LedgerUseCases) {}

  @Post()
  @HttpCode(201)
  @ApiSummary('createLedger', 'Create a ledger')
  @ApiCreatedResponse({ type: LedgerView })
  @ApiErrors(...BODY_ERRORS)
  async create(
    @Body(new BlnkValidationPipe('GEN_VALIDATION_ERROR')) dto: CreateLedgerDto,
  ): Promise<LedgerView> {
    return presentLedger(await this.ledgers.create({ name: dto.name, metaData: dto.meta_data }));
  }

  @Post('filter')
  @NoIdempotencyKey()
  @HttpCode(200)
  @ApiBody({ type: FilterRequestDto })
  @ApiSummary('filterLedgers', 'List ledgers matching filters')
  @ApiList(LedgerView, true)
  @ApiErrors(...BODY_ERRORS)
  async filter(@Body() body: unknown): Promise<unknown> {
    const q = parseFilterBody(body);
    return listBody(await this.ledgers.list(q), presentLedger, q.includeCount);
  }

  @Get()
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiSummary('listLedgers', 'List ledgers')
  @ApiList(LedgerView)
  @ApiErrors()
  async list(@Query() query: Record<string, string>): Promise<unknown> {
    const q = parseQueryFilters(query, {
      defaultLimit: 10,
      invalidLimit: 'error',
      maxLimit: 100,
      overMaxLimit: 20,
    });
    return listBody(await this.ledgers.list(q), presentLedger, false);
  }

  @Get(':id')
  @ApiSummary('getLedger', 'Get a ledger')
  @ApiOkResponse({ type: LedgerView })
  @ApiErrors(404)
  async get(@Param('id') id: string): Promise<LedgerView> {
    return presentLedger(await this.ledgers.get(id));
  }

  @Put(':id')
  @ApiSummary('updateLedger', 'Rename a ledger')
  @ApiOkResponse({ type: LedgerView })
  @ApiErrors(...BODY_ERRORS, 404)
  async update(
    @Param('id') id: string,
    @Body(new BlnkValidationPipe('GEN_VALIDATION_ERROR')) dto: UpdateLedgerDto,
  ): Promise<LedgerView> {
    return presentLedger(await this.ledgers.rename(id, dto.name));
  }
}
