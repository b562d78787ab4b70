import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { bulkItemInvalid } from '../../domain/transaction.errors';
import { FilterRequestDto } from '@libs/http/filter-request.dto';
import { listBody } from '@libs/http/list-response';
import type { ListQuery } from '@libs/core/list-query';
import { hasFilterParams, parseFilterBody, parseQueryFilters } from '@libs/http/list-query.parse';
import { BlnkValidationPipe, validateDto } from '@libs/http/validation.pipe';
import { toBigInt } from '@libs/http/validators';
import { TransactionQueries } from '../../application/transaction-queries.use-case';
import { TransactionSubmissions } from '../../application/submissions';
import { QueueRecoveryUseCase } from '../../application/queued/queue-recovery.use-case';
import { formatGoDuration, parseGoDuration } from '@libs/http/go-duration';
import { RecordTransactionInput } from '../../domain/record-request';
import { BulkTransactionsDto, InflightUpdateDto, RecordTransactionDto } from './transaction.dto';
import {
  BulkAcceptedView,
  BulkPreviewView,
  BulkResultView,
  RecoverView,
  TransactionPreviewView,
  TransactionView,
} from './transaction.views';
import { ApiErrors, ApiList, ApiOneOf, ApiSummary, BODY_ERRORS } from '@libs/http/openapi';
import { NoIdempotencyKey } from '@libs/http/idempotency-route';
import { presentBulkPreview, presentPreview } from './preview.presenter';
import { presentRecorded, presentStored, presentTransaction } from './transaction.presenter';
import type { Transaction } from '../../domain/transaction';

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

/** Each bulk item checked like a single request; errors name the item (reference §2.5.2). */
function bulkItems(items: unknown[]): (RecordTransactionInput | null)[] {
  return items.map((item, i) => {
    if (item === null) return null;
    if (typeof item !== 'object' || Array.isArray(item)) {
      throw bulkItemInvalid(i, 'must be a JSON object');
    }
    const dto = validateDto(RecordTransactionDto, item);
    if (typeof dto === 'string') {
      throw bulkItemInvalid(i, dto);
    }
    return toRecordInput(dto);
  });
}

@ApiTags('transactions')
@Controller('transactions')
export class TransactionController {
  constructor(
    private readonly submissions: TransactionSubmissions,
    private readonly queries: TransactionQueries,
    private readonly recovery: QueueRecoveryUseCase,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiSummary('recordTransaction', 'Record a transaction (queued by default, or skip_queue)')
  @ApiCreatedResponse({ type: TransactionView })
  @ApiOneOf(200, 'dry_run: true: what would happen, nothing written', TransactionPreviewView)
  @ApiErrors(...BODY_ERRORS, 404, 409, 422, 423, 503)
  async create(
    @Body(new BlnkValidationPipe('TXN_VALIDATION_ERROR')) dto: RecordTransactionDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const r = await this.submissions.transaction(toRecordInput(dto));
    if (r.route === 'preview') {
      void reply.status(200);
      return presentPreview(r.preview);
    }
    return presentRecorded(r.done);
  }

  @Post('recover')
  @NoIdempotencyKey()
  @HttpCode(200)
  @ApiQuery({
    name: 'threshold',
    required: false,
    description: 'Go duration, at least and by default 2m',
  })
  @ApiSummary('recoverQueuedTransactions', 'Signal again the lanes of queued work left waiting')
  @ApiOkResponse({ type: RecoverView })
  @ApiErrors()
  async recover(
    @Query('threshold') threshold?: string,
  ): Promise<{ recovered: number; threshold: string }> {
    const ms = Math.max(parseGoDuration(threshold ?? '2m'), 120000);
    return { recovered: await this.recovery.recover(ms), threshold: formatGoDuration(ms) };
  }

  @Post('bulk')
  @HttpCode(201)
  @ApiSummary('recordBulkTransactions', 'Record a batch of transactions (atomic or not)')
  @ApiCreatedResponse({ type: BulkResultView })
  @ApiOneOf(200, 'dry_run: true: every item projected in order', BulkPreviewView)
  @ApiOneOf(202, 'run_async: accepted; workers apply it', BulkAcceptedView)
  @ApiErrors(...BODY_ERRORS, 404, 409, 422, 423, 503)
  async createBulk(
    @Body(new BlnkValidationPipe('TXN_VALIDATION_ERROR')) dto: BulkTransactionsDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    const routed = await this.submissions.bulk({
      items: bulkItems(dto.transactions),
      inflight: dto.inflight,
      atomic: dto.atomic,
      skipQueue: dto.skip_queue,
      runAsync: dto.run_async,
      dryRun: dto.dry_run,
    });
    if (routed.route === 'preview') {
      void reply.status(200);
      return presentBulkPreview(routed.preview);
    }
    const r = routed.done;
    if (dto.run_async) {
      // Written durably already; workers apply it (reference §2.5.2: 202 "processing").
      void reply.status(202);
      return {
        message: 'Bulk transaction processing started',
        batch_id: r.batchId,
        status: 'processing',
      };
    }
    return { batch_id: r.batchId, status: r.status, transaction_count: r.count };
  }

  @Put('inflight/:txID')
  @ApiSummary('updateInflightTransaction', 'Commit all or part of a hold, or void it')
  @ApiOneOf(
    200,
    'The commit (APPLIED) or void (VOID) child; queued: the hold, queued: true; a preview with dry_run',
    TransactionView,
    TransactionPreviewView,
  )
  @ApiErrors(...BODY_ERRORS, 404, 409, 422, 423)
  async updateInflight(
    @Param('txID') id: string,
    @Body(new BlnkValidationPipe('TXN_VALIDATION_ERROR')) dto: InflightUpdateDto,
  ): Promise<Record<string, unknown>> {
    const r = await this.submissions.settle({
      id,
      status: dto.status,
      amount: dto.amount,
      preciseAmount: dto.precise_amount === undefined ? undefined : toBigInt(dto.precise_amount),
      skipQueue: dto.skip_queue,
      dryRun: dto.dry_run,
    });
    if (r.route === 'preview') return presentPreview(r.preview);
    // Queued (Blnk's default): the hold as it is now, marked queued (reference §2.5.4).
    if (r.route === 'queue') return { ...presentTransaction(r.done[0]), queued: true };
    return presentTransaction(r.done[0]);
  }

  @Post('filter')
  @NoIdempotencyKey()
  @HttpCode(200)
  @ApiBody({ type: FilterRequestDto })
  @ApiSummary('filterTransactions', 'List transactions matching filters')
  @ApiList(TransactionView, true)
  @ApiErrors(...BODY_ERRORS)
  async filter(@Body() body: unknown): Promise<unknown> {
    const q = parseFilterBody(body);
    return this.listWithSeals(q, q.includeCount);
  }

  @Get()
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiSummary('listTransactions', 'List transactions (newest first)')
  @ApiList(TransactionView)
  @ApiErrors()
  async list(@Query() query: Record<string, string>): Promise<unknown> {
    const q = parseQueryFilters(query, {
      defaultLimit: 20,
      invalidLimit: 'default',
      // Filtered lists are capped at 1000 rows (reference §3.5); the plain list is not.
      maxLimit: hasFilterParams(query) ? 1000 : undefined,
    });
    return this.listWithSeals(q, false);
  }

  /** One page, and the seals of its rows in one more indexed query. */
  private async listWithSeals(q: ListQuery, includeCount: boolean): Promise<unknown> {
    const page = await this.queries.list(q);
    const [seals, marks, allocations] = await Promise.all([
      this.queries.seals(page.items.map((t) => t.transactionId)),
      this.queries.reconciliationMarks(page.items),
      this.queries.fundAllocations(page.items),
    ]);
    return listBody(page, (t) => presentStored(t, seals, marks, allocations), includeCount);
  }

  /** One stored row with its seal, its reconciliation and its lineage (three indexed lookups). */
  private async presentOne(t: Transaction): Promise<Record<string, unknown>> {
    const [seals, marks, allocations] = await Promise.all([
      this.queries.seals([t.transactionId]),
      this.queries.reconciliationMarks([t]),
      this.queries.fundAllocations([t]),
    ]);
    return presentStored(t, seals, marks, allocations);
  }

  @Get('reference/:reference')
  @ApiSummary('getTransactionByReference', 'Get a transaction by its reference')
  @ApiOkResponse({ type: TransactionView })
  @ApiErrors(404)
  async byReference(@Param('reference') reference: string): Promise<Record<string, unknown>> {
    return this.presentOne(await this.queries.getByReference(reference));
  }

  @Get(':id')
  @ApiSummary('getTransaction', 'Get a transaction by id')
  @ApiOkResponse({ type: TransactionView })
  @ApiErrors(404)
  async get(@Param('id') id: string): Promise<Record<string, unknown>> {
    return this.presentOne(await this.queries.get(id));
  }
}
