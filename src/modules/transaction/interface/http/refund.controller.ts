import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { BlnkValidationPipe } from '@libs/http/validation.pipe';
import { RefundTransactionUseCase } from '../../application/refund-transaction.use-case';
import { RefundDto } from './transaction.dto';
import { TransactionView } from './transaction.views';
import { presentPreview } from './preview.presenter';
import { presentTransaction } from './transaction.presenter';

@ApiTags('transactions')
@Controller('refund-transaction')
export class RefundController {
  constructor(private readonly refunds: RefundTransactionUseCase) {}

  @Post(':id')
  @HttpCode(201)
  @ApiBody({ type: RefundDto, required: false })
  @ApiCreatedResponse({
    type: TransactionView,
    description: 'The (first) refund; 200 with a preview for dry_run.',
  })
  async refund(
    @Param('id') id: string,
    @Body(new BlnkValidationPipe('GEN_VALIDATION_ERROR', { optional: true })) dto: RefundDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Record<string, unknown>> {
    const request = {
      id,
      skipQueue: dto.skip_queue,
      description: dto.description,
      metaData: dto.meta_data,
    };
    if (dto.dry_run) {
      void reply.status(200);
      return presentPreview(await this.refunds.preview(request));
    }
    const rows = dto.skip_queue
      ? await this.refunds.execute(request)
      : await this.refunds.enqueue(request);
    return presentTransaction(rows[0]);
  }
}
