import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../../../auth/interface/http/public.decorator';
import { DatabaseProbe } from '../../application/ports/database-probe';

@ApiTags('system')
@Controller()
export class SystemController {
  constructor(private readonly probe: DatabaseProbe) {}

  @Get()
  @Public()
  @Header('content-type', 'application/json; charset=utf-8')
  @ApiOkResponse({ schema: { type: 'string', example: 'server running...' } })
  root(): string {
    // Blnk answers with a JSON string, not an object (reference §2.1).
    return JSON.stringify('server running...');
  }

  @Get('health')
  @Public()
  @ApiOkResponse({ schema: { example: { status: 'UP' } } })
  @ApiServiceUnavailableResponse({
    schema: { example: { status: 'DOWN', reason: 'database ping failed' } },
  })
  async health(@Res() reply: FastifyReply): Promise<void> {
    const up = await this.probe.ping(3000);
    await reply
      .status(up ? 200 : 503)
      .send(up ? { status: 'UP' } : { status: 'DOWN', reason: 'database ping failed' });
  }
}
