import { Module } from '@nestjs/common';
import { MigrateCommand, MigrateDownCommand, MigrateUpCommand } from './migrate.command';
import { StartCommand } from './start.command';
import { WorkersCommand } from './workers.command';

@Module({
  providers: [StartCommand, WorkersCommand, MigrateCommand, MigrateUpCommand, MigrateDownCommand],
})
export class CliModule {}
