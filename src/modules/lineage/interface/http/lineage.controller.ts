import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiSummary } from '@libs/http/openapi';
import { LineageQueries } from '../../application/lineage-queries.use-case';
import { presentBalanceLineage, presentTransactionLineage } from './lineage.presenter';
import { BalanceLineageView, TransactionLineageView } from './lineage.views';

@ApiTags('balances')
@Controller('balances')
export class BalanceLineageController {
  constructor(private readonly lineage: LineageQueries) {}

  @Get(':id/lineage')
  @ApiSummary('getBalanceLineage', 'Where the money of a fund-lineage balance came from')
  @ApiOkResponse({ type: BalanceLineageView })
  @ApiErrors(404)
  async get(@Param('id') id: string): Promise<BalanceLineageView> {
    return presentBalanceLineage(await this.lineage.ofBalance(id));
  }
}

@ApiTags('transactions')
@Controller('transactions')
export class TransactionLineageController {
  constructor(private readonly lineage: LineageQueries) {}

  @Get(':id/lineage')
  @ApiSummary('getTransactionLineage', 'Which providers a transaction spent')
  @ApiOkResponse({ type: TransactionLineageView })
  @ApiErrors(404)
  async get(@Param('id') id: string): Promise<TransactionLineageView> {
    return presentTransactionLineage(await this.lineage.ofTransaction(id));
  }
}
