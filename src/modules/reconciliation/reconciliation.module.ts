import { DynamicModule, Module } from '@nestjs/common';
import { MatchingRuleUseCases } from './application/matching-rule.use-cases';
import { InternalTransactions } from './application/ports/internal-transactions';
import { MatchGroups } from './application/ports/match-groups';
import { MatchingRuleRepository } from './application/ports/matching-rule.repository';
import { ReconciliationRepository } from './application/ports/reconciliation.repository';
import { StatementFetcher } from './application/ports/statement-fetcher';
import { StatementStore } from './application/ports/statement.store';
import { ReconciliationQueries } from './application/reconciliation-queries';
import { ReconciliationSettings } from './application/reconciliation-settings';
import { RunReconciliationUseCase } from './application/run-reconciliation.use-case';
import { StartReconciliationUseCase } from './application/start-reconciliation.use-case';
import { UploadStatementUseCase } from './application/upload-statement.use-case';
import { StatementUrlFetcher } from './infrastructure/http/statement-url-fetcher';
import { InternalTransactionsPg } from './infrastructure/postgres/internal-transactions.pg';
import { MatchGroupsPg } from './infrastructure/postgres/match-groups.pg';
import { MatchingRulePgRepository } from './infrastructure/postgres/matching-rule.pg-repository';
import { ReconciliationPgRepository } from './infrastructure/postgres/reconciliation.pg-repository';
import { StatementPgStore } from './infrastructure/postgres/statement.pg-store';
import { ReconciliationController } from './interface/http/reconciliation.controller';
import { UploadIntake } from './interface/http/upload-intake';
import { ReconciliationRunJob } from './interface/jobs/reconciliation-run.job';

const core = (settings?: ReconciliationSettings) => [
  { provide: ReconciliationSettings, useValue: settings ?? new ReconciliationSettings() },
  { provide: MatchingRuleRepository, useClass: MatchingRulePgRepository },
  { provide: ReconciliationRepository, useClass: ReconciliationPgRepository },
  { provide: StatementStore, useClass: StatementPgStore },
  { provide: InternalTransactions, useClass: InternalTransactionsPg },
  { provide: MatchGroups, useClass: MatchGroupsPg },
  RunReconciliationUseCase,
  ReconciliationRunJob,
];

/** The run job without HTTP: what a worker process needs. */
@Module({})
export class ReconciliationCoreModule {
  static with(settings?: ReconciliationSettings): DynamicModule {
    return {
      module: ReconciliationCoreModule,
      providers: core(settings),
      exports: [ReconciliationRunJob],
    };
  }
}

/** Reconciliation (issue 16): uploads, matching rules, runs, their results; the run job. */
@Module({})
export class ReconciliationModule {
  static with(settings?: ReconciliationSettings): DynamicModule {
    return {
      module: ReconciliationModule,
      controllers: [ReconciliationController],
      providers: [
        ...core(settings),
        { provide: StatementFetcher, useClass: StatementUrlFetcher },
        MatchingRuleUseCases,
        StartReconciliationUseCase,
        UploadStatementUseCase,
        ReconciliationQueries,
        UploadIntake,
      ],
      exports: [ReconciliationRunJob],
    };
  }
}
