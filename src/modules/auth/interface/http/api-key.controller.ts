import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { parseRfc3339 } from '@libs/core/rfc3339';
import { BlnkValidationPipe } from '@libs/http/validation.pipe';
import { ApiErrors, ApiList, ApiSummary, BODY_ERRORS } from '@libs/http/openapi';
import { ApiKeyUseCases } from '../../application/api-key.use-cases';
import { invalidApiKeyRequest } from '../../domain/auth.errors';
import { ApiKeyView, CreateApiKeyDto } from './api-key.dto';
import { presentApiKey } from './api-key.presenter';
import { callerOf } from './caller';

const first = (v?: string | string[]) => (Array.isArray(v) ? v[0] : v);

/** `?cascade=true|false` (absent = false); anything else is refused before a key is touched. */
function cascadeFlag(v?: string | string[]): boolean {
  const text = first(v);
  if (text === undefined || text === 'false') return false;
  if (text === 'true') return true;
  throw invalidApiKeyRequest('cascade must be true or false');
}

/** API keys (reference §2.12). The owner rules live in the use cases. */
@ApiTags('api-keys')
@Controller('api-keys')
export class ApiKeyController {
  constructor(private readonly keys: ApiKeyUseCases) {}

  @Post()
  @HttpCode(201)
  @ApiSummary('createApiKey', 'Create an API key (its secret is shown once)')
  @ApiCreatedResponse({ type: ApiKeyView })
  @ApiErrors(...BODY_ERRORS)
  async create(
    @Req() req: FastifyRequest,
    @Body(new BlnkValidationPipe('GEN_VALIDATION_ERROR')) dto: CreateApiKeyDto,
  ): Promise<ApiKeyView> {
    const { apiKey, secret } = await this.keys.create(callerOf(req), {
      name: dto.name,
      owner: dto.owner,
      scopes: dto.scopes,
      expiresAt: parseRfc3339(dto.expires_at)!,
    });
    return presentApiKey(apiKey, secret);
  }

  @Get()
  @ApiQuery({ name: 'owner', required: false, description: 'Required with the master key.' })
  @ApiSummary('listApiKeys', "List an owner's API keys")
  @ApiList(ApiKeyView)
  @ApiErrors()
  async list(
    @Req() req: FastifyRequest,
    @Query('owner') owner?: string | string[],
  ): Promise<ApiKeyView[]> {
    return (await this.keys.list(callerOf(req), first(owner))).map((k) => presentApiKey(k));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiQuery({ name: 'owner', required: false })
  @ApiQuery({
    name: 'cascade',
    required: false,
    type: Boolean,
    description: 'Also revoke every key this key created, transitively (Neraca addition).',
  })
  @ApiSummary('revokeApiKey', 'Revoke an API key (with cascade, every key it created)')
  @ApiNoContentResponse({ description: 'Revoked.' })
  @ApiErrors(404)
  async revoke(
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Query('owner') owner?: string | string[],
    @Query('cascade') cascade?: string | string[],
  ): Promise<void> {
    const options = { cascade: cascadeFlag(cascade) };
    await this.keys.revoke(callerOf(req), id, first(owner), options);
  }
}
