import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiSummary, ErrorEnvelopeView } from '@libs/http/openapi';
import { Public } from '../../../auth/interface/http/public.decorator';
import { AuthSettings } from '../../../auth/auth-settings';
import { checkMetricsAccess } from '../../domain/metrics-access';
import { HttpMetrics } from './http-metrics';

@ApiTags('system')
@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: HttpMetrics,
    private readonly auth: AuthSettings,
  ) {}

  @Get('metrics')
  @Public()
  @ApiSummary(
    'metrics',
    'Prometheus metrics (reference §2.1): Authorization: Bearer <server.metrics_bearer_token>; ' +
      'open only while server.secure is off and no token is set',
    { isPublic: true },
  )
  @ApiHeader({ name: 'Authorization', required: false, description: 'Bearer <token>' })
  @ApiOkResponse({
    description: 'Prometheus text exposition format',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  @ApiResponse({ status: 401, type: ErrorEnvelopeView, description: 'Token missing or wrong' })
  @ApiResponse({ status: 403, type: ErrorEnvelopeView, description: 'Secure and no token set' })
  @ApiResponse({ status: 429, description: 'Rate limited', type: ErrorEnvelopeView })
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    checkMetricsAccess(this.auth.secure, this.auth.metricsBearerToken, authorization);
    const body = await this.metrics.registry.metrics();
    await reply.header('content-type', this.metrics.registry.contentType).send(body);
  }
}
