import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiList, ApiSummary, BODY_ERRORS } from '@libs/http/openapi';
import { HOOK_TYPES, parseHookTypeFilter } from '../../domain/hook';
import { HookUseCases } from '../../application/hook.use-cases';
import { HookDeletedView, HookRequestDto, HookView } from './hook.dto';
import { presentHook } from './hook.presenter';

const first = (v?: string | string[]) => (Array.isArray(v) ? v[0] : v);

/**
 * Transaction hooks (reference §2.11). Master key only: the request gate refuses any other key
 * with 403 AUTH_MASTER_KEY_REQUIRED before a route here runs. The body is read by the domain,
 * with Blnk's messages and legacy error shape, not by a validation DTO.
 */
@ApiTags('hooks')
@Controller('hooks')
export class HookController {
  constructor(private readonly hooks: HookUseCases) {}

  @Post()
  @HttpCode(201)
  @ApiBody({ type: HookRequestDto })
  @ApiSummary('registerHook', 'Register a transaction hook (master key only)')
  @ApiCreatedResponse({ type: HookView })
  @ApiErrors(...BODY_ERRORS, 409)
  async register(@Body() body: unknown): Promise<HookView> {
    return presentHook(await this.hooks.register(body));
  }

  @Get()
  @ApiQuery({ name: 'type', required: false, enum: HOOK_TYPES })
  @ApiSummary('listHooks', 'List transaction hooks (master key only)')
  @ApiList(HookView)
  @ApiErrors()
  async list(@Query('type') type?: string | string[]): Promise<HookView[]> {
    return (await this.hooks.list(parseHookTypeFilter(first(type)))).map(presentHook);
  }

  @Get(':id')
  @ApiSummary('getHook', 'Get a transaction hook (master key only)')
  @ApiOkResponse({ type: HookView })
  @ApiErrors(404)
  async get(@Param('id') id: string): Promise<HookView> {
    return presentHook(await this.hooks.get(id));
  }

  @Put(':id')
  @ApiBody({ type: HookRequestDto })
  @ApiSummary('updateHook', 'Replace a transaction hook (master key only)')
  @ApiOkResponse({ type: HookView })
  @ApiErrors(...BODY_ERRORS, 404)
  async update(@Param('id') id: string, @Body() body: unknown): Promise<HookView> {
    return presentHook(await this.hooks.replace(id, body));
  }

  @Delete(':id')
  @ApiSummary('deleteHook', 'Delete a transaction hook (master key only)')
  @ApiOkResponse({ type: HookDeletedView })
  @ApiErrors(404)
  async delete(@Param('id') id: string): Promise<HookDeletedView> {
    await this.hooks.delete(id);
    return { message: 'hook deleted successfully' };
  }
}
