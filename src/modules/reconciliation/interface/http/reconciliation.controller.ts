import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Req,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Clock } from '@libs/core/clock';
import { DomainError } from '@libs/core/domain-error';
import { NoIdempotencyKey } from '@libs/http/idempotency-route';
import { ApiErrors, ApiList, ApiSummary, BODY_ERRORS } from '@libs/http/openapi';
import { BlnkValidationPipe } from '@libs/http/validation.pipe';
import { MatchingRuleUseCases } from '../../application/matching-rule.use-cases';
import { ReconciliationQueries } from '../../application/reconciliation-queries';
import { StartReconciliationUseCase } from '../../application/start-reconciliation.use-case';
import type { RuleInput } from '../../domain/matching-rule';
import {
  MatchingRuleDto,
  MatchingRuleView,
  MatchView,
  MessageView,
  ReconciliationView,
  StartedView,
  StartInstantDto,
  StartReconciliationDto,
  UnmatchedRecordView,
  UploadView,
} from './reconciliation.dto';
import {
  presentMatch,
  presentReconciliation,
  presentRule,
  presentUnmatched,
  presentUpload,
} from './reconciliation.presenter';
import { UploadIntake } from './upload-intake';

const RULE = new BlnkValidationPipe('RECON_RULE_INVALID');
const START = new BlnkValidationPipe('GEN_MALFORMED_REQUEST');

const ruleInput = (dto: MatchingRuleDto): RuleInput => ({
  name: dto.name,
  description: dto.description,
  criteria: dto.criteria,
});

/** `limit` (1..1000, default 20) and `offset` (default 0) of the listing routes. */
function page(query: Record<string, string>): [number, number] {
  const num = (name: string, fallback: number, min: number, max: number) => {
    const raw = query[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new DomainError(
        'GEN_VALIDATION_ERROR',
        `${name} must be an integer from ${min} to ${max}`,
      );
    }
    return Number(raw);
  };
  return [num('limit', 20, 1, 1000), num('offset', 0, 0, Number.MAX_SAFE_INTEGER)];
}

/** Reconciliation (reference §2.10, §8; docs/reconciliation.md). */
@ApiTags('reconciliation')
@Controller('reconciliation')
export class ReconciliationController {
  constructor(
    private readonly intake: UploadIntake,
    private readonly rules: MatchingRuleUseCases,
    private readonly starts: StartReconciliationUseCase,
    private readonly queries: ReconciliationQueries,
    private readonly clock: Clock,
  ) {}

  @Post('upload')
  @HttpCode(200)
  @NoIdempotencyKey()
  @ApiSummary(
    'uploadExternalStatement',
    'Upload a statement (CSV or JSON; multipart file, or a URL)',
  )
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({
    schema: {
      oneOf: [
        {
          type: 'object',
          required: ['file'],
          properties: { file: { type: 'string', format: 'binary' }, source: { type: 'string' } },
        },
        {
          type: 'object',
          required: ['url'],
          properties: { url: { type: 'string' }, source: { type: 'string' } },
        },
      ],
    },
  })
  @ApiOkResponse({ type: UploadView })
  @ApiErrors(...BODY_ERRORS, 500)
  async upload(@Req() req: FastifyRequest): Promise<UploadView> {
    return presentUpload(await this.intake.take(req));
  }

  @Post('matching-rules')
  @HttpCode(201)
  @ApiSummary('createMatchingRule', 'Create a matching rule')
  @ApiCreatedResponse({ type: MatchingRuleView })
  @ApiErrors(...BODY_ERRORS)
  async createRule(@Body(RULE) dto: MatchingRuleDto): Promise<unknown> {
    return presentRule(await this.rules.create(ruleInput(dto)));
  }

  @Get('matching-rules')
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiSummary('listMatchingRules', 'List matching rules (oldest first)')
  @ApiList(MatchingRuleView)
  @ApiErrors()
  async listRules(@Query() query: Record<string, string>): Promise<unknown> {
    const [limit, offset] = page(query);
    return (await this.rules.list(limit, offset)).map(presentRule);
  }

  @Get('matching-rules/:id')
  @ApiSummary('getMatchingRule', 'Get a matching rule')
  @ApiOkResponse({ type: MatchingRuleView })
  @ApiErrors(404)
  async getRule(@Param('id') id: string): Promise<unknown> {
    return presentRule(await this.rules.get(id));
  }

  @Put('matching-rules/:id')
  @ApiSummary('updateMatchingRule', 'Replace a matching rule')
  @ApiOkResponse({ type: MatchingRuleView })
  @ApiErrors(...BODY_ERRORS, 404)
  async replaceRule(@Param('id') id: string, @Body(RULE) dto: MatchingRuleDto): Promise<unknown> {
    return presentRule(await this.rules.replace(id, ruleInput(dto)));
  }

  @Delete('matching-rules/:id')
  @ApiSummary('deleteMatchingRule', 'Delete a matching rule')
  @ApiOkResponse({ type: MessageView })
  @ApiErrors(404)
  async deleteRule(@Param('id') id: string): Promise<MessageView> {
    await this.rules.delete(id);
    return { message: 'Matching rule deleted successfully' };
  }

  @Post('start')
  @HttpCode(200)
  @ApiSummary('startReconciliation', 'Reconcile an uploaded statement (in the background)')
  @ApiOkResponse({ type: StartedView })
  @ApiErrors(...BODY_ERRORS, 404)
  async start(@Body(START) dto: StartReconciliationDto): Promise<StartedView> {
    const id = await this.starts.start({
      uploadId: dto.upload_id,
      strategy: dto.strategy,
      ruleIds: dto.matching_rule_ids,
      groupingCriteria: dto.grouping_criteria,
      dryRun: dto.dry_run,
    });
    return { reconciliation_id: id };
  }

  @Post('start-instant')
  @HttpCode(200)
  @ApiSummary('startInstantReconciliation', 'Reconcile external transactions sent inline')
  @ApiOkResponse({ type: StartedView })
  @ApiErrors(...BODY_ERRORS, 404)
  async startInstant(@Body(START) dto: StartInstantDto): Promise<StartedView> {
    const id = await this.starts.startInstant(dto.external_transactions, {
      strategy: dto.strategy,
      ruleIds: dto.matching_rule_ids,
      groupingCriteria: dto.grouping_criteria,
      dryRun: dto.dry_run,
    });
    return { reconciliation_id: id };
  }

  @Get(':id')
  @ApiSummary('getReconciliation', 'A run: status, counts, progress')
  @ApiOkResponse({ type: ReconciliationView })
  @ApiErrors(404)
  async get(@Param('id') id: string): Promise<unknown> {
    return presentReconciliation(await this.queries.get(id), this.clock.now());
  }

  @Get(':id/matches')
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiSummary('listReconciliationMatches', 'The matched pairs of a run, in statement order')
  @ApiList(MatchView)
  @ApiErrors(404)
  async matches(@Param('id') id: string, @Query() query: Record<string, string>): Promise<unknown> {
    const [limit, offset] = page(query);
    return (await this.queries.matches(id, limit, offset)).map(presentMatch);
  }

  @Get(':id/unmatched')
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiSummary('listReconciliationUnmatched', 'The external rows of a run that matched nothing')
  @ApiList(UnmatchedRecordView)
  @ApiErrors(404)
  async unmatched(
    @Param('id') id: string,
    @Query() query: Record<string, string>,
  ): Promise<unknown> {
    const [limit, offset] = page(query);
    return (await this.queries.unmatched(id, limit, offset)).map(presentUnmatched);
  }
}
