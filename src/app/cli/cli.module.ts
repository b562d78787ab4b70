import { Module } from '@nestjs/common';
import { KeysCommand, RotateTokenizationCommand } from './keys.command';
import { MigrateCommand, MigrateDownCommand, MigrateUpCommand } from './migrate.command';
import { StartCommand } from './start.command';
import { WorkersCommand } from './workers.command';

@Module({
  providers: [
    StartCommand,
    WorkersCommand,
    MigrateCommand,
    MigrateUpCommand,
    MigrateDownCommand,
    KeysCommand,
    RotateTokenizationCommand,
  ],
})
export class CliModule {}
