import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { requireScopes } from '../../../auth/interface/http/embed-scope';
import { ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiSummary, BODY_ERRORS } from '@libs/http/openapi';
import { IsDefined } from 'class-validator';
import { ApiProperty } from '@nestjs/swagger';
import { invalidEntityId, entityNotFound as notFound } from '../../metadata.errors';
import { META_DATA } from '@libs/http/api-types';
import { BlnkValidationPipe } from '@libs/http/validation.pipe';
import { IsJsonObject } from '@libs/http/validators';
import { BalanceUseCases } from '../../../balance/application/balance.use-cases';
import { IdentityUseCases } from '../../../identity/application/identity.use-cases';
import { LedgerUseCases } from '../../../ledger/application/ledger.use-cases';
import { TransactionQueries } from '../../../transaction/application/transaction-queries.use-case';

export class MetadataDto {
  @ApiProperty(META_DATA)
  @IsDefined({ message: 'cannot be blank' })
  @IsJsonObject()
  meta_data!: Record<string, unknown>;
}

export class MetadataView {
  @ApiProperty({
    ...META_DATA,
    nullable: false,
    description: 'The merged metadata (for a transaction, the keys sent).',
  })
  meta_data!: Record<string, unknown>;
}

/** The resource an entity id names, by its prefix (reference §2.8). */
function resourceOf(id: string): Parameters<typeof requireScopes>[1] | undefined {
  if (id.startsWith('txn_') || id.startsWith('bulk_')) return 'transactions';
  if (id.startsWith('ldg_') || id === 'general_ledger_id') return 'ledgers';
  if (id.startsWith('bln_')) return 'balances';
  if (id.startsWith('idt_')) return 'identities';
  return undefined;
}

/** POST /{entity_id}/metadata (reference §2.8): the entity type comes from the id prefix. */
@ApiTags('metadata')
@Controller()
export class MetadataController {
  constructor(
    private readonly ledgers: LedgerUseCases,
    private readonly balances: BalanceUseCases,
    private readonly transactions: TransactionQueries,
    private readonly identities: IdentityUseCases,
  ) {}

  @Post(':id/metadata')
  @HttpCode(200)
  @ApiSummary('updateMetadata', 'Merge keys into the metadata of any entity, by id')
  @ApiParam({
    name: 'id',
    description:
      'A ledger, balance, transaction, bulk batch or identity id (ldg_, bln_, txn_, bulk_, idt_)',
    schema: { type: 'string', pattern: '^(ldg_|bln_|txn_|bulk_|idt_|general_ledger_id)' },
  })
  @ApiOkResponse({ type: MetadataView })
  @ApiErrors(...BODY_ERRORS, 404)
  async update(
    @Req() req: FastifyRequest,
    @Param('id') id: string,
    @Body(new BlnkValidationPipe('GEN_VALIDATION_ERROR')) dto: MetadataDto,
  ): Promise<{ meta_data: Record<string, unknown> }> {
    // Writing an entity's metadata writes the entity, and the answer shows its metadata: besides
    // metadata:write the key needs that entity's read and write scopes (checked before any read,
    // so the answer does not tell whether the entity exists).
    const resource = resourceOf(id);
    if (resource) requireScopes(req, resource, ['read', 'write']);
    const patch = dto.meta_data;
    if (id.startsWith('txn_') || id.startsWith('bulk_')) {
      // Every row of the transaction (its queued row, outcome, legs) gets the keys; the answer
      // holds only the new keys, as in Blnk.
      if ((await this.transactions.mergeMetaData(id, patch)) === 0) throw notFound();
      return { meta_data: patch };
    }
    if (id.startsWith('ldg_') || id === 'general_ledger_id') {
      const merged = await this.ledgers.mergeMetaData(id, patch);
      if (!merged) throw notFound();
      return { meta_data: merged };
    }
    if (id.startsWith('bln_')) {
      const merged = await this.balances.mergeMetaData(id, patch);
      if (!merged) throw notFound();
      return { meta_data: merged };
    }
    if (id.startsWith('idt_')) {
      // tokenized_fields stays what the server knows is tokenized, whatever the patch says.
      const merged = await this.identities.mergeMetaData(id, patch);
      if (!merged) throw notFound();
      return { meta_data: merged };
    }
    throw invalidEntityId(id);
  }
}
