import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { BlnkValidationPipe } from '@libs/http/validation.pipe';
import { toBigInt } from '@libs/http/validators';
import type { BulkInflightResult } from '../../application/pipeline/bulk-inflight.use-case';
import { TransactionSubmissions } from '../../application/submissions';
import type { InflightUpdate } from '../../application/pipeline/update-inflight.use-case';
import { BulkCommitDto, BulkVoidDto } from './transaction.dto';
import { BulkInflightPreviewView, BulkInflightResultView } from './transaction.views';
import { ApiErrors, ApiOneOf, ApiSummary, BODY_ERRORS } from '@libs/http/openapi';
import { presentPreview } from './preview.presenter';

function body(results: BulkInflightResult[]): Record<string, unknown> {
  return {
    succeeded: results.filter((r) => r.status !== 'failed').length,
    failed: results.filter((r) => r.status === 'failed').length,
    results: results.map((r) => ({
      transaction_id: r.transactionId,
      status: r.status,
      ...(r.code ? { code: r.code } : {}),
      ...(r.message ? { message: r.message } : {}),
    })),
  };
}

@ApiTags('transactions')
@Controller('transactions/inflight/bulk')
export class BulkInflightController {
  constructor(private readonly submissions: TransactionSubmissions) {}

  @Post('void')
  @HttpCode(200)
  @ApiSummary('voidInflightTransactions', 'Void several holds, each on its own')
  @ApiOneOf(
    200,
    'Per hold: queued, succeeded or failed; a preview of each with dry_run',
    BulkInflightResultView,
    BulkInflightPreviewView,
  )
  @ApiErrors(...BODY_ERRORS)
  async voidAll(
    @Body(new BlnkValidationPipe('TXN_VALIDATION_ERROR')) dto: BulkVoidDto,
  ): Promise<unknown> {
    const updates: InflightUpdate[] = dto.transaction_ids.map((id) => ({ id, status: 'void' }));
    return this.run(updates, dto.skip_queue, dto.dry_run);
  }

  @Post('commit')
  @HttpCode(200)
  @ApiSummary('commitInflightTransactions', 'Commit several holds, each on its own')
  @ApiOneOf(
    200,
    'Per hold: queued, succeeded or failed; a preview of each with dry_run',
    BulkInflightResultView,
    BulkInflightPreviewView,
  )
  @ApiErrors(...BODY_ERRORS)
  async commitAll(
    @Body(new BlnkValidationPipe('TXN_VALIDATION_ERROR')) dto: BulkCommitDto,
  ): Promise<unknown> {
    const updates: InflightUpdate[] = dto.transactions.map((t) => ({
      id: t.transaction_id,
      status: 'commit',
      amount: t.amount,
      preciseAmount: t.precise_amount === undefined ? undefined : toBigInt(t.precise_amount),
    }));
    return this.run(updates, dto.skip_queue, dto.dry_run);
  }

  private async run(
    updates: InflightUpdate[],
    skipQueue?: boolean,
    dryRun?: boolean,
  ): Promise<unknown> {
    const r = await this.submissions.settleMany(updates, { dryRun, skipQueue });
    if (r.route === 'preview') return { dry_run: true, results: r.preview.map(presentPreview) };
    return body(r.done);
  }
}
