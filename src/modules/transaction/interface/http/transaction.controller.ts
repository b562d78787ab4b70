import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { FilterRequestDto } from '@libs/http/filter-request.dto';
import { listBody } from '@libs/http/list-response';
import { hasFilterParams, parseFilterBody, parseQueryFilters } from '@libs/http/list-query.parse';
import { BlnkValidationPipe } from '@libs/http/validation.pipe';
import { toBigInt } from '@libs/http/validators';
import { RecordTransactionUseCase } from '../../application/record-transaction.use-case';
import { TransactionQueries } from '../../application/transaction-queries.use-case';
import { RecordTransactionInput } from '../../domain/record-request';
import { RecordTransactionDto, TransactionView } from './transaction.dto';
import { presentTransaction } from './transaction.presenter';

export function toRecordInput(dto: RecordTransactionDto): RecordTransactionInput {
  const dist = (list?: RecordTransactionDto['sources']) =>
    list?.map((d) => ({
      identifier: d.identifier,
      distribution: d.distribution,
      preciseDistribution: d.precise_distribution,
    }));
  return {
    amount: dto.amount,
    preciseAmount: dto.precise_amount === undefined ? undefined : toBigInt(dto.precise_amount),
    precision: dto.precision,
    currency: dto.currency,
    reference: dto.reference,
    description: dto.description,
    source: dto.source,
    destination: dto.destination,
    sources: dist(dto.sources),
    destinations: dist(dto.destinations),
    allowOverdraft: dto.allow_overdraft,
    overdraftLimit: dto.overdraft_limit,
    inflight: dto.inflight,
    inflightExpiryDate: dto.inflight_expiry_date,
    inflightCommitDate: dto.inflight_commit_date,
    scheduledFor: dto.scheduled_for,
    effectiveDate: dto.effective_date,
    skipQueue: dto.skip_queue,
    atomic: dto.atomic,
    metaData: dto.meta_data,
    dryRun: dto.dry_run,
  };
}

@ApiTags('transactions')
@Controller('transactions')
export class TransactionController {
  constructor(
    private readonly record: RecordTransactionUseCase,
    private readonly queries: TransactionQueries,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: TransactionView })
  async create(
    @Body(new BlnkValidationPipe('TXN_VALIDATION_ERROR')) dto: RecordTransactionDto,
  ): Promise<Record<string, unknown>> {
    const { transaction, flags } = await this.record.execute(toRecordInput(dto));
    return presentTransaction(transaction, flags);
  }

  @Post('filter')
  @HttpCode(200)
  @ApiBody({ type: FilterRequestDto })
  @ApiOkResponse({
    type: [TransactionView],
    description: 'Array, or {data, total_count} with include_count.',
  })
  async filter(@Body() body: unknown): Promise<unknown> {
    const q = parseFilterBody(body);
    return listBody(await this.queries.list(q), (t) => presentTransaction(t), q.includeCount);
  }

  @Get()
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiOkResponse({ type: [TransactionView] })
  async list(@Query() query: Record<string, string>): Promise<unknown> {
    const q = parseQueryFilters(query, {
      defaultLimit: 20,
      invalidLimit: 'default',
      // Filtered lists are capped at 1000 rows (reference §3.5); the plain list is not.
      maxLimit: hasFilterParams(query) ? 1000 : undefined,
    });
    return listBody(await this.queries.list(q), (t) => presentTransaction(t), false);
  }

  @Get('reference/:reference')
  @ApiOkResponse({ type: TransactionView })
  async byReference(@Param('reference') reference: string): Promise<Record<string, unknown>> {
    return presentTransaction(await this.queries.getByReference(reference));
  }

  @Get(':id')
  @ApiOkResponse({ type: TransactionView })
  async get(@Param('id') id: string): Promise<Record<string, unknown>> {
    return presentTransaction(await this.queries.get(id));
  }
}
