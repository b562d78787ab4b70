import { Module } from '@nestjs/common';
import { DatabaseProbe } from './application/ports/database-probe';
import { DatabaseProbePg } from './infrastructure/postgres/database-probe.pg';
import { SystemController } from './interface/http/system.controller';

@Module({
  controllers: [SystemController],
  providers: [{ provide: DatabaseProbe, useClass: DatabaseProbePg }],
})
export class SystemModule {}
