import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { migrateDown, migrateUp } from '@libs/persistence/migrate';
import { openDatabase } from '../server';
import { CommonOptions, configFrom } from './config-options';

abstract class DataDirOption extends CommandRunner {
  @Option({
    flags: '-d, --data-dir <dir>',
    description: 'Data directory of embedded mode (default ./.neraca)',
  })
  parseDataDir(v: string): string {
    return v;
  }
}

@SubCommand({ name: 'up', description: 'Apply every pending migration' })
export class MigrateUpCommand extends DataDirOption {
  async run(_p: string[], options: CommonOptions): Promise<void> {
    const db = await openDatabase(configFrom(options));
    try {
      const applied = await migrateUp(db.dataSource);
      process.stdout.write(
        applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n',
      );
    } finally {
      await db.close();
    }
  }
}

@SubCommand({ name: 'down', description: 'Revert the most recent migration' })
export class MigrateDownCommand extends DataDirOption {
  async run(_p: string[], options: CommonOptions): Promise<void> {
    const db = await openDatabase(configFrom(options));
    try {
      await migrateDown(db.dataSource);
      process.stdout.write('reverted the last migration\n');
    } finally {
      await db.close();
    }
  }
}

@Command({
  name: 'migrate',
  arguments: '<up|down>',
  description: 'Run database migrations (up: apply pending, down: revert the last one)',
  subCommands: [MigrateUpCommand, MigrateDownCommand],
})
export class MigrateCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
