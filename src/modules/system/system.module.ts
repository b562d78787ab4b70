import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseProbe } from './application/ports/database-probe';
import { DatabaseProbePg } from './infrastructure/postgres/database-probe.pg';
import { SystemController } from './interface/http/system.controller';

@Module({
  // Failed checks are answered (503 with the reasons), not logged as errors.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [SystemController],
  providers: [{ provide: DatabaseProbe, useClass: DatabaseProbePg }],
})
export class SystemModule {}
