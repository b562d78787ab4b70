import { Injectable } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { DomainError } from '@libs/core/domain-error';
import { IdGenerator } from '@libs/core/ids';
import { UnitOfWork } from '@libs/core/unit-of-work';
import {
  externalRequired,
  MAX_REPORTED_FAULTS_INSTANT,
  rulesRequired,
  uploadNotFound,
  uploadRefused,
} from '../domain/reconciliation.errors';
import {
  EXTERNAL_GROUPING,
  INTERNAL_GROUPING,
  Reconciliation,
  Strategy,
  STRATEGIES,
} from '../domain/reconciliation';
import { checkRow, StatementRow } from '../domain/statement';
import { MatchingRuleUseCases } from './matching-rule.use-cases';
import { ReconciliationRepository } from './ports/reconciliation.repository';
import { StatementStore } from './ports/statement.store';

export interface StartInput {
  uploadId: string;
  strategy: string;
  ruleIds: string[];
  groupingCriteria?: string;
  dryRun?: boolean;
}

/** Most external rows an instant reconciliation takes (reference §2.10). */
export const MAX_INSTANT_ROWS = 10_000;

/**
 * POST /reconciliation/start and /start-instant (reference §2.10): checks the request, keeps
 * the rules as they are now with the run, and answers its id; the run itself is a background job.
 */
@Injectable()
export class StartReconciliationUseCase {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly runs: ReconciliationRepository,
    private readonly store: StatementStore,
    private readonly rules: MatchingRuleUseCases,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  /**
   * @throws DomainError RECON_MATCHING_RULES_REQUIRED, GEN_VALIDATION_ERROR (strategy, grouping),
   * RECON_RULE_NOT_FOUND, GEN_NOT_FOUND (upload).
   */
  async start(input: StartInput): Promise<string> {
    const strategy = checkStrategy(input);
    if (!input.ruleIds.length) throw rulesRequired();
    const rules = await this.rules.resolve(input.ruleIds);
    const total = await this.store.countOf(input.uploadId);
    if (total === null) throw uploadNotFound(input.uploadId);
    const run: Reconciliation = {
      reconciliationId: this.ids.next('recon'),
      uploadId: input.uploadId,
      strategy,
      groupingCriteria: input.groupingCriteria ?? '',
      rules,
      dryRun: input.dryRun ?? false,
      status: 'started',
      total,
      processed: 0,
      matched: 0,
      unmatched: 0,
      checkpoint: 0n,
      attempts: 0,
      groupsReady: false,
      error: null,
      startedAt: this.clock.now(),
      runningSince: null,
      completedAt: null,
    };
    await this.uow.run((tx) => this.runs.insert(tx, run));
    return run.reconciliationId;
  }

  /**
   * The rows are checked as an upload's are, stored as a statement of their own (upload id
   * `instant_…`, its source that id), then started like any other.
   * @throws DomainError RECON_EXTERNAL_TXNS_REQUIRED, GEN_VALIDATION_ERROR, RECON_UPLOAD_FAILED
   * and what start() throws.
   */
  async startInstant(
    rows: Record<string, unknown>[],
    input: Omit<StartInput, 'uploadId'>,
  ): Promise<string> {
    if (!rows.length) throw externalRequired();
    if (rows.length > MAX_INSTANT_ROWS) {
      throw new DomainError(
        'GEN_VALIDATION_ERROR',
        `at most ${MAX_INSTANT_ROWS} external transactions`,
      );
    }
    checkStrategy({ ...input, uploadId: '' });
    if (!input.ruleIds.length) throw rulesRequired();
    await this.rules.resolve(input.ruleIds);
    const checked: StatementRow[] = [];
    const faults = [];
    for (const [i, fields] of rows.entries()) {
      const row = checkRow(fields, i + 1);
      if (Array.isArray(row)) faults.push(...row);
      else checked.push(row);
      if (faults.length >= MAX_REPORTED_FAULTS_INSTANT) break;
    }
    if (faults.length) {
      throw uploadRefused(
        `external_transactions refused (nothing was stored): row ${faults[0].row}, ${faults[0].column ?? ''}: ${faults[0].message}`,
        faults.slice(0, MAX_REPORTED_FAULTS_INSTANT),
      );
    }
    const uploadId = this.ids.next('instant');
    const writer = await this.store.open();
    try {
      await writer.stage(checked);
      await writer.finish(uploadId, uploadId, '');
    } catch (e) {
      await writer.abort();
      throw e;
    }
    return this.start({ ...input, uploadId });
  }
}

function checkStrategy(input: StartInput): Strategy {
  const strategy = input.strategy as Strategy;
  if (!STRATEGIES.includes(strategy)) {
    throw new DomainError(
      'GEN_VALIDATION_ERROR',
      `strategy must be one of ${STRATEGIES.join(', ')}`,
      {
        strategy: input.strategy,
      },
    );
  }
  const g = input.groupingCriteria ?? '';
  const allowed: readonly string[] =
    strategy === 'one_to_many'
      ? INTERNAL_GROUPING
      : strategy === 'many_to_one'
        ? EXTERNAL_GROUPING
        : [''];
  if (strategy !== 'one_to_one' && !allowed.includes(g)) {
    throw new DomainError(
      'GEN_VALIDATION_ERROR',
      `grouping_criteria of ${strategy} must be one of ${allowed.join(', ')}`,
      {
        grouping_criteria: g,
      },
    );
  }
  return strategy;
}
