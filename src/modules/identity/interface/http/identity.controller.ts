import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { FilterRequestDto } from '@libs/http/filter-request.dto';
import { ApiErrors, ApiList, ApiSummary, BODY_ERRORS } from '@libs/http/openapi';
import { NoIdempotencyKey } from '@libs/http/idempotency-route';
import { parseAllOrFilteredQuery, parseFilterBody } from '@libs/http/list-query.parse';
import { listBody } from '@libs/http/list-response';
import { BlnkValidationPipe } from '@libs/http/validation.pipe';
import { IdentityUseCases } from '../../application/identity.use-cases';
import { identityInvalid } from '../../domain/identity.errors';
import { IdentityDto, IdentityView, MessageView } from './identity.dto';
import { patchOf, presentIdentity } from './identity.presenter';

/** Identity CRUD and lists (reference §2.6). Tokenization routes: TokenizationController. */
@ApiTags('identities')
@Controller('identities')
export class IdentityController {
  constructor(private readonly identities: IdentityUseCases) {}

  @Post()
  @HttpCode(201)
  @ApiSummary('createIdentity', 'Create an identity')
  @ApiCreatedResponse({ type: IdentityView })
  @ApiErrors(...BODY_ERRORS, 409)
  async create(
    @Body(new BlnkValidationPipe('IDT_VALIDATION_ERROR')) dto: IdentityDto,
  ): Promise<IdentityView> {
    const identity = await this.identities.create({
      ...patchOf(dto),
      identityId: dto.identity_id || undefined,
    });
    return presentIdentity(identity);
  }

  @Post('filter')
  @NoIdempotencyKey()
  @HttpCode(200)
  @ApiBody({ type: FilterRequestDto })
  @ApiSummary('filterIdentities', 'List identities matching filters')
  @ApiList(IdentityView, true)
  @ApiErrors(...BODY_ERRORS)
  async filter(@Body() body: unknown): Promise<unknown> {
    const q = parseFilterBody(body);
    return listBody(await this.identities.list(q), presentIdentity, q.includeCount);
  }

  @Get()
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiSummary('listIdentities', 'List identities')
  @ApiList(IdentityView)
  @ApiErrors()
  async list(@Query() query: Record<string, string>): Promise<unknown> {
    const q = parseAllOrFilteredQuery(query);
    return listBody(await this.identities.list(q), presentIdentity, false);
  }

  @Get(':id')
  @ApiSummary('getIdentity', 'Get an identity')
  @ApiOkResponse({ type: IdentityView })
  @ApiErrors(404)
  async get(@Param('id') id: string): Promise<IdentityView> {
    return presentIdentity(await this.identities.get(id));
  }

  @Put(':id')
  @ApiSummary('updateIdentity', 'Update an identity')
  @ApiOkResponse({ type: MessageView })
  @ApiErrors(...BODY_ERRORS, 404)
  async update(
    @Param('id') id: string,
    @Body(new BlnkValidationPipe('IDT_VALIDATION_ERROR')) dto: IdentityDto,
  ): Promise<MessageView> {
    if (dto.identity_id && dto.identity_id !== id) {
      throw identityInvalid('identity_id cannot be changed');
    }
    await this.identities.update(id, patchOf(dto));
    return { message: 'Identity updated successfully' };
  }

  @Delete(':id')
  @ApiSummary('deleteIdentity', 'Delete an identity no balance refers to')
  @ApiOkResponse({ type: MessageView })
  @ApiErrors(404, 409)
  async remove(@Param('id') id: string): Promise<MessageView> {
    await this.identities.delete(id);
    return { message: 'Identity deleted successfully' };
  }
}
