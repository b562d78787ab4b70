import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { principalOf } from '@libs/http/principal';
import { BlnkValidationPipe } from '@libs/http/validation.pipe';
import { TransactionSubmissions } from '../../application/submissions';
import { RefundDto } from './transaction.dto';
import { TransactionPreviewView, TransactionView } from './transaction.views';
import { ApiErrors, ApiOneOf, ApiSummary, BODY_ERRORS } from '@libs/http/openapi';
import { presentPreview } from './preview.presenter';
import { presentTransaction } from './transaction.presenter';

@ApiTags('transactions')
@Controller('refund-transaction')
export class RefundController {
  constructor(private readonly submissions: TransactionSubmissions) {}

  @Post(':id')
  @HttpCode(201)
  @ApiBody({ type: RefundDto, required: false })
  @ApiSummary('refundTransaction', 'Refund an applied transaction')
  @ApiCreatedResponse({ type: TransactionView, description: 'The (first) refund.' })
  @ApiOneOf(200, 'dry_run: true: what would happen, nothing written', TransactionPreviewView)
  @ApiErrors(...BODY_ERRORS, 404, 409, 422, 423, 503)
  async refund(
    @Param('id') id: string,
    @Body(new BlnkValidationPipe('GEN_VALIDATION_ERROR', { optional: true })) dto: RefundDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const caller = principalOf(req);
    const r = await this.submissions.refund({
      generatedBy: caller.isMaster ? undefined : caller.keyId,
      id,
      skipQueue: dto.skip_queue,
      dryRun: dto.dry_run,
      description: dto.description,
      metaData: dto.meta_data,
    });
    if (r.route === 'preview') {
      void reply.status(200);
      return presentPreview(r.preview);
    }
    return presentTransaction(r.done[0]);
  }
}
