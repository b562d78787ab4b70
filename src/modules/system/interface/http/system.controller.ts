import { Controller, Get, Header, Res, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheckService,
  HealthIndicatorFunction,
  HealthIndicatorService,
} from '@nestjs/terminus';
import {
  ApiOkResponse,
  ApiProperty,
  ApiResponse,
  ApiPropertyOptional,
  ApiTags,
  ApiExtraModels,
} from '@nestjs/swagger';
import { ApiSummary, ErrorEnvelopeView } from '@libs/http/openapi';
import type { FastifyReply } from 'fastify';
import { Public } from '../../../auth/interface/http/public.decorator';
import { DatabaseProbe } from '../../application/ports/database-probe';
import { WorkQueue } from '../../../transaction/application/queued/ports/work-queue';
import { QueueSettings } from '../../../transaction/application/queued/queue-settings';

const PING_MS = 3000;

class IndicatorView {
  @ApiProperty({ enum: ['up', 'down'] }) status!: string;
}

export class ReadinessView {
  @ApiProperty({ enum: ['ok', 'error'] }) status!: string;
  @ApiProperty({
    description: 'The checks that passed: database, redis (when configured), migrations, queue',
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/IndicatorView' },
  })
  info!: Record<string, IndicatorView>;
  @ApiProperty({
    description: 'The checks that failed, with why',
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/IndicatorView' },
  })
  error!: Record<string, IndicatorView>;
  @ApiProperty({
    description: 'Every check',
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/IndicatorView' },
  })
  details!: Record<string, IndicatorView>;
}

export class HealthView {
  @ApiProperty({ enum: ['UP', 'DOWN'] }) status!: string;
  @ApiPropertyOptional({ example: 'database ping failed' }) reason?: string;
}

@ApiTags('system')
@Controller()
export class SystemController {
  constructor(
    private readonly probe: DatabaseProbe,
    private readonly checks: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly queue: WorkQueue,
    private readonly queueSettings: QueueSettings,
  ) {}

  @Get()
  @Public()
  @Header('content-type', 'application/json; charset=utf-8')
  @ApiSummary('root', 'Liveness: the server answers', { isPublic: true })
  @ApiOkResponse({ schema: { type: 'string', example: 'server running...' } })
  @ApiResponse({ status: 429, description: 'Rate limited', type: ErrorEnvelopeView })
  root(): string {
    // Blnk answers with a JSON string, not an object (reference §2.1).
    return JSON.stringify('server running...');
  }

  @Get('health')
  @Public()
  @ApiSummary('health', 'Readiness: the database answers', { isPublic: true })
  @ApiOkResponse({ type: HealthView, description: 'UP' })
  @ApiResponse({ status: 503, type: HealthView, description: 'DOWN, with the reason' })
  @ApiResponse({ status: 429, description: 'Rate limited', type: ErrorEnvelopeView })
  async health(@Res() reply: FastifyReply): Promise<void> {
    const up = await this.probe.ping(3000);
    await reply
      .status(up ? 200 : 503)
      .send(up ? { status: 'UP' } : { status: 'DOWN', reason: 'database ping failed' });
  }

  @Get('health/ready')
  @Public()
  @ApiSummary(
    'readiness',
    'Readiness for traffic (Neraca): the database answers, Redis answers when configured, ' +
      'every migration is applied, and the queue is under back-pressure',
    { isPublic: true },
  )
  @ApiExtraModels(IndicatorView)
  @ApiOkResponse({ type: ReadinessView, description: 'Every check is up' })
  @ApiResponse({ status: 503, type: ReadinessView, description: 'A check is down' })
  @ApiResponse({ status: 429, description: 'Rate limited', type: ErrorEnvelopeView })
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const checks: HealthIndicatorFunction[] = [
      () => this.database(),
      () => this.migrations(),
      () => this.backlog(),
    ];
    if (this.queue.transport) checks.push(() => this.redis());
    try {
      await reply.status(200).send(await this.checks.check(checks));
    } catch (e) {
      if (!(e instanceof ServiceUnavailableException)) throw e;
      await reply.status(503).send(e.getResponse());
    }
  }

  private async database() {
    const check = this.indicators.check('database');
    return (await this.probe.ping(PING_MS)) ? check.up() : check.down('database ping failed');
  }

  private async redis() {
    const check = this.indicators.check('redis');
    return (await this.queue.ping(PING_MS)) ? check.up() : check.down('redis ping failed');
  }

  private async migrations() {
    const check = this.indicators.check('migrations');
    try {
      const pending = await this.probe.pendingMigrations();
      return pending.length
        ? check.down({ message: 'migrations not applied', pending })
        : check.up();
    } catch {
      return check.down('migrations could not be read');
    }
  }

  /** Over `queue.backpressure_max_pending_tasks`, new queued transactions are refused (503). */
  private async backlog() {
    const check = this.indicators.check('queue');
    const limit = this.queueSettings.maxPending;
    try {
      const pending = await this.probe.pendingWork();
      if (limit > 0 && pending >= limit)
        return check.down({ message: 'queue over back-pressure', pending, limit });
      return check.up({ pending, limit });
    } catch {
      return check.down('queue could not be read');
    }
  }
}
