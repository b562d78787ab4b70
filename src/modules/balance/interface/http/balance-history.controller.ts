import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiSummary } from '@libs/http/openapi';
import {
  BalanceAtUseCase,
  BalanceSnapshotsUseCase,
} from '../../application/balance-history.use-cases';
import { parseSnapshotBatchSize } from '../../domain/balance-history';
import { MessageView } from './balance.dto';
import { BalanceAtView } from './balance-history.dto';

/** Historical balances and snapshots (reference §2.3), apart from the balance CRUD. */
@ApiTags('balances')
@Controller()
export class BalanceHistoryController {
  constructor(
    private readonly at: BalanceAtUseCase,
    private readonly snapshots: BalanceSnapshotsUseCase,
  ) {}

  @Get('balances/:id/at')
  @ApiQuery({
    name: 'timestamp',
    required: false,
    description: 'RFC 3339 date-time (e.g. 2024-01-01T15:04:05Z); default now.',
  })
  @ApiQuery({
    name: 'from_source',
    required: false,
    description: 'true or 1: recompute from the first row, ignoring snapshots.',
  })
  @ApiSummary('getBalanceAt', 'A balance as its applied transactions made it at an instant')
  @ApiOkResponse({ type: BalanceAtView })
  @ApiErrors(404)
  async balanceAt(
    @Param('id') id: string,
    @Query('timestamp') timestamp?: unknown,
    @Query('from_source') fromSource?: unknown,
  ): Promise<BalanceAtView> {
    const r = await this.at.execute(id, timestamp, fromSource);
    return {
      balance: {
        balance: r.balance.balance,
        credit_balance: r.balance.creditBalance,
        debit_balance: r.balance.debitBalance,
        currency: r.balance.currency,
        balance_id: r.balance.balanceId,
      },
      timestamp: r.instant.shown,
      from_source: r.fromSource,
    };
  }

  @Post('balances-snapshots')
  @HttpCode(200)
  @ApiQuery({
    name: 'batch_size',
    required: false,
    type: Number,
    description: '1-10000, default 1000.',
  })
  @ApiSummary(
    'createBalanceSnapshots',
    'Snapshot every balance not yet snapshotted today (in the background)',
  )
  @ApiOkResponse({ type: MessageView })
  @ApiErrors()
  createSnapshots(@Query('batch_size') batchSize?: unknown): MessageView {
    this.snapshots.startInBackground(parseSnapshotBatchSize(batchSize));
    return { message: 'Snapshotting in progress. should be completed shortly' };
  }
}
