import { Module } from '@nestjs/common';
import { Clock } from '@libs/core/clock';
import { MonitorCache } from './application/monitor-cache';
import { MonitorEvaluator } from './application/monitor-evaluator.service';
import { MonitorUseCases } from './application/monitor.use-cases';
import { MonitorRepository } from './application/ports/monitor.repository';
import { MonitorPgRepository } from './infrastructure/postgres/monitor.pg-repository';
import { MonitorController } from './interface/http/monitor.controller';

/**
 * Balance monitors without HTTP: what the outbox relay needs to evaluate them. One cache per
 * process, shared by the CRUD use cases (which drop its entries) and the evaluator.
 */
@Module({
  providers: [
    MonitorUseCases,
    MonitorEvaluator,
    {
      provide: MonitorCache,
      useFactory: (clock: Clock) => new MonitorCache(clock),
      inject: [Clock],
    },
    { provide: MonitorRepository, useClass: MonitorPgRepository },
  ],
  exports: [MonitorUseCases, MonitorEvaluator],
})
export class MonitorCoreModule {}

@Module({
  imports: [MonitorCoreModule],
  controllers: [MonitorController],
  exports: [MonitorCoreModule],
})
export class MonitorModule {}
