import type { DataSource } from 'typeorm';
import { SystemClock } from '@libs/core/clock';
import { RandomIdGenerator } from '@libs/core/ids';
import { TypeOrmUnitOfWork } from '@libs/persistence/typeorm-unit-of-work';
import { MatchingRuleUseCases } from './application/matching-rule.use-cases';
import { ReconciliationSettings } from './application/reconciliation-settings';
import { RunReconciliationUseCase } from './application/run-reconciliation.use-case';
import { StartReconciliationUseCase } from './application/start-reconciliation.use-case';
import { UploadStatementUseCase } from './application/upload-statement.use-case';
import { InternalTransactionsPg } from './infrastructure/postgres/internal-transactions.pg';
import { MatchGroupsPg } from './infrastructure/postgres/match-groups.pg';
import { MatchingRulePgRepository } from './infrastructure/postgres/matching-rule.pg-repository';
import { ReconciliationPgRepository } from './infrastructure/postgres/reconciliation.pg-repository';
import { StatementPgStore } from './infrastructure/postgres/statement.pg-store';

/**
 * The use cases without the Nest container, over one data source: what `neraca reconcile`
 * needs (upload a file, start a run, step it in the command's own process).
 */
export function standaloneReconciliation(db: DataSource, settings: ReconciliationSettings) {
  const uow = new TypeOrmUnitOfWork(db);
  const ids = new RandomIdGenerator();
  const clock = new SystemClock();
  const runs = new ReconciliationPgRepository(db);
  const store = new StatementPgStore(db);
  const rules = new MatchingRuleUseCases(uow, new MatchingRulePgRepository(db), ids, clock);
  return {
    uploads: new UploadStatementUseCase(store, ids),
    start: new StartReconciliationUseCase(uow, runs, store, rules, ids, clock),
    runner: new RunReconciliationUseCase(
      uow,
      runs,
      new InternalTransactionsPg(db, settings),
      new MatchGroupsPg(),
      settings,
    ),
    find: (id: string) => runs.findById(id),
  };
}
