import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LedgerMetrics } from '@libs/telemetry/ledger-metrics';
import { DatabaseProbe } from './application/ports/database-probe';
import { DatabaseProbePg } from './infrastructure/postgres/database-probe.pg';
import { MetricsRegistry } from './infrastructure/prometheus/metrics-registry';
import { PromLedgerMetrics } from './infrastructure/prometheus/ledger-metrics.prom';
import { SystemController } from './interface/http/system.controller';
import { MetricsController } from './interface/http/metrics.controller';
import { HttpMetrics } from './interface/http/http-metrics';

/**
 * The process's metrics registry and the ledger's counters, in API and worker processes alike.
 * Global: the transaction engine counts through the `LedgerMetrics` port wherever it runs.
 */
@Global()
@Module({
  providers: [
    { provide: DatabaseProbe, useClass: DatabaseProbePg },
    MetricsRegistry,
    { provide: LedgerMetrics, useClass: PromLedgerMetrics },
  ],
  exports: [DatabaseProbe, MetricsRegistry, LedgerMetrics],
})
export class SystemCoreModule {}

@Module({
  // Failed checks are answered (503 with the reasons), not logged as errors.
  imports: [SystemCoreModule, TerminusModule.forRoot({ logger: false })],
  controllers: [SystemController, MetricsController],
  providers: [HttpMetrics],
  exports: [HttpMetrics],
})
export class SystemModule {}
