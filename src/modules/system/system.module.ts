import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseProbe } from './application/ports/database-probe';
import { DatabaseProbePg } from './infrastructure/postgres/database-probe.pg';
import { SystemController } from './interface/http/system.controller';
import { MetricsController } from './interface/http/metrics.controller';
import { HttpMetrics } from './interface/http/http-metrics';

@Module({
  // Failed checks are answered (503 with the reasons), not logged as errors.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [SystemController, MetricsController],
  providers: [{ provide: DatabaseProbe, useClass: DatabaseProbePg }, HttpMetrics],
  exports: [HttpMetrics],
})
export class SystemModule {}
