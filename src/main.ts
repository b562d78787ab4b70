import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './app/cli/cli.module';

async function main(): Promise<void> {
  await CommandFactory.run(CliModule, {
    logger: ['error', 'warn'],
    cliName: 'neraca',
    errorHandler: (err) => {
      // Commander's own exits (help, version) carry exitCode 0.
      const code = (err as { exitCode?: number }).exitCode;
      if (code === 0) process.exit(0);
      process.stderr.write(`neraca: ${err.message}\n`);
      process.exit(typeof code === 'number' ? code : 1);
    },
    serviceErrorHandler: (err) => {
      process.stderr.write(`neraca: ${err.message}\n`);
      process.exit(1);
    },
  });
}

void main();
