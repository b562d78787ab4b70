import { Controller, Get, Header, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiProperty,
  ApiResponse,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { ApiSummary, ErrorEnvelopeView } from '@libs/http/openapi';
import type { FastifyReply } from 'fastify';
import { Public } from '../../../auth/interface/http/public.decorator';
import { DatabaseProbe } from '../../application/ports/database-probe';

export class HealthView {
  @ApiProperty({ enum: ['UP', 'DOWN'] }) status!: string;
  @ApiPropertyOptional({ example: 'database ping failed' }) reason?: string;
}

@ApiTags('system')
@Controller()
export class SystemController {
  constructor(private readonly probe: DatabaseProbe) {}

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
}
