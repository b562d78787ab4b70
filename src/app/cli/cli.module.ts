import { Module } from '@nestjs/common';
import { MigrateCommand, MigrateDownCommand, MigrateUpCommand } from './migrate.command';
import { StartCommand } from './start.command';

@Module({ providers: [StartCommand, MigrateCommand, MigrateUpCommand, MigrateDownCommand] })
export class CliModule {}
