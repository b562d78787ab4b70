import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { principalOf } from '@libs/http/principal';
import { ApiErrors, ApiSummary, BODY_ERRORS } from '@libs/http/openapi';
import { NoIdempotencyKey } from '@libs/http/idempotency-route';
import { BlnkValidationPipe } from '@libs/http/validation.pipe';
import { identityInvalid } from '../../domain/identity.errors';
import { Actor, TokenizationUseCases } from '../../application/tokenization.use-cases';
import { FieldsDto, MessageView } from './identity.dto';

export class TokenizedFieldsView {
  @ApiProperty({ type: [String], example: ['FirstName', 'EmailAddress'] })
  tokenized_fields!: string[];
}

export class DetokenizedFieldView {
  @ApiProperty({ example: 'FirstName' }) field!: string;
  @ApiProperty({ example: 'Ada' }) value!: string;
}

export class DetokenizedFieldsView {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { FirstName: 'Ada' },
  })
  fields!: Record<string, string>;
}

function actorOf(req: FastifyRequest): Actor {
  const p = principalOf(req);
  return { apiKeyId: p.keyId, owner: p.owner };
}

/**
 * PII tokenization (reference §9). Detokenizing needs the `identities:detokenize` scope (the auth
 * guard maps both detokenize routes to it) and every reveal is audited with the caller's key.
 */
@ApiTags('identities')
@Controller('identities/:id')
export class TokenizationController {
  constructor(private readonly tokenization: TokenizationUseCases) {}

  @Get('tokenized-fields')
  @ApiSummary('getTokenizedFields', 'The fields of an identity that are tokenized')
  @ApiOkResponse({ type: TokenizedFieldsView })
  @ApiErrors(404)
  async tokenizedFields(@Param('id') id: string): Promise<{ tokenized_fields: string[] }> {
    return { tokenized_fields: await this.tokenization.tokenizedFields(id) };
  }

  @Post('tokenize/:field')
  @HttpCode(200)
  @ApiSummary('tokenizeField', 'Tokenize one field of an identity')
  @ApiOkResponse({ type: MessageView })
  @ApiErrors(404, 409)
  async tokenizeField(
    @Param('id') id: string,
    @Param('field') field: string,
  ): Promise<MessageView> {
    await this.tokenization.tokenizeField(id, field);
    return { message: 'Field tokenized successfully' };
  }

  @Post('tokenize')
  @HttpCode(200)
  @ApiBody({ type: FieldsDto })
  @ApiSummary('tokenizeFields', 'Tokenize fields of an identity')
  @ApiOkResponse({ type: MessageView })
  @ApiErrors(...BODY_ERRORS, 404, 409)
  async tokenize(
    @Param('id') id: string,
    @Body(new BlnkValidationPipe('IDT_VALIDATION_ERROR')) dto: FieldsDto,
  ): Promise<MessageView> {
    if (!dto.fields?.length) throw identityInvalid('at least one field must be specified');
    await this.tokenization.tokenize(id, dto.fields);
    return { message: 'Fields tokenized successfully' };
  }

  @Get('detokenize/:field')
  @ApiSummary('detokenizeField', 'Reveal one tokenized field (audited)')
  @ApiOkResponse({ type: DetokenizedFieldView })
  @ApiErrors(404)
  async detokenizeField(
    @Param('id') id: string,
    @Param('field') field: string,
    @Req() req: FastifyRequest,
  ): Promise<{ field: string; value: string }> {
    const values = await this.tokenization.detokenize(id, [field], actorOf(req));
    return { field, value: values[field] };
  }

  @Post('detokenize')
  @NoIdempotencyKey()
  @HttpCode(200)
  @ApiBody({ type: FieldsDto })
  @ApiSummary('detokenizeFields', 'Reveal tokenized fields (audited)')
  @ApiOkResponse({ type: DetokenizedFieldsView })
  @ApiErrors(...BODY_ERRORS, 404)
  async detokenize(
    @Param('id') id: string,
    @Body(new BlnkValidationPipe('IDT_VALIDATION_ERROR', { optional: true })) dto: FieldsDto,
    @Req() req: FastifyRequest,
  ): Promise<{ fields: Record<string, string> }> {
    return { fields: await this.tokenization.detokenize(id, dto.fields ?? [], actorOf(req)) };
  }
}
