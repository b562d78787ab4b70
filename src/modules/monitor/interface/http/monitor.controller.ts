import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiList, ApiSummary, BODY_ERRORS } from '@libs/http/openapi';
import { BlnkValidationPipe } from '@libs/http/validation.pipe';
import { MonitorUseCases } from '../../application/monitor.use-cases';
import { monitorPayload } from '../../application/monitor-payload';
import type { MonitorInput } from '../../domain/monitor';
import { CreateMonitorDto, MonitorMessageView, MonitorView, UpdateMonitorDto } from './monitor.dto';

const VALIDATE = new BlnkValidationPipe('GEN_VALIDATION_ERROR');

function inputOf(dto: CreateMonitorDto): MonitorInput {
  return {
    balanceId: dto.balance_id,
    description: dto.description,
    callBackUrl: dto.call_back_url,
    field: dto.condition.field,
    operator: dto.condition.operator,
    value: dto.condition.value,
    precision: dto.condition.precision,
  };
}

/** Balance monitors (reference §2.4); they fire `balance.monitor` events (docs/webhooks.md). */
@ApiTags('balance-monitors')
@Controller('balance-monitors')
export class MonitorController {
  constructor(private readonly monitors: MonitorUseCases) {}

  @Post()
  @HttpCode(201)
  @ApiSummary('createBalanceMonitor', 'Watch a balance field against a threshold')
  @ApiCreatedResponse({ type: MonitorView })
  @ApiErrors(...BODY_ERRORS)
  async create(@Body(VALIDATE) dto: CreateMonitorDto): Promise<MonitorView> {
    return monitorPayload(await this.monitors.create(inputOf(dto)));
  }

  @Get()
  @ApiSummary('listBalanceMonitors', 'List balance monitors (oldest first, at most 1000)')
  @ApiList(MonitorView)
  @ApiErrors()
  async list(): Promise<MonitorView[]> {
    return (await this.monitors.list()).map(monitorPayload);
  }

  @Get('balances/:balance_id')
  @ApiSummary('listBalanceMonitorsOfBalance', 'List the monitors of one balance')
  @ApiList(MonitorView)
  @ApiErrors()
  async ofBalance(@Param('balance_id') balanceId: string): Promise<MonitorView[]> {
    return (await this.monitors.listByBalance(balanceId)).map(monitorPayload);
  }

  @Get(':id')
  @ApiSummary('getBalanceMonitor', 'Get a balance monitor')
  @ApiOkResponse({ type: MonitorView })
  @ApiErrors(404)
  async get(@Param('id') id: string): Promise<MonitorView> {
    return monitorPayload(await this.monitors.get(id));
  }

  @Put(':id')
  @ApiSummary('updateBalanceMonitor', 'Replace a balance monitor')
  @ApiOkResponse({ type: MonitorMessageView })
  @ApiErrors(...BODY_ERRORS, 404)
  async update(
    @Param('id') id: string,
    @Body(VALIDATE) dto: UpdateMonitorDto,
  ): Promise<MonitorMessageView> {
    await this.monitors.update(id, inputOf(dto));
    return { message: 'BalanceMonitor updated successfully' };
  }

  @Delete(':id')
  @ApiSummary('deleteBalanceMonitor', 'Delete a balance monitor')
  @ApiOkResponse({ type: MonitorMessageView })
  @ApiErrors(404)
  async delete(@Param('id') id: string): Promise<MonitorMessageView> {
    await this.monitors.delete(id);
    return { message: 'BalanceMonitor deleted successfully' };
  }
}
