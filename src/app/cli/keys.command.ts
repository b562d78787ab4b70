import { resolve } from 'node:path';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { migrateUp } from '@libs/persistence/migrate';
import { TypeOrmUnitOfWork } from '@libs/persistence/typeorm-unit-of-work';
import { Tokenizer } from '../../modules/identity/application/tokenizer';
import { TokenizationUseCases } from '../../modules/identity/application/tokenization.use-cases';
import { DetokenizationAuditPg } from '../../modules/identity/infrastructure/postgres/detokenization-audit.pg';
import { IdentityPgRepository } from '../../modules/identity/infrastructure/postgres/identity.pg-repository';
import { openDatabase } from '../server';
import { resolveTokenizationKeys } from '../tokenization-keys';
import { CommonOptions, configFrom } from './config-options';

@SubCommand({
  name: 'rotate-tokenization',
  description:
    'Re-encrypt every PII token under the current tokenization key (tokenization_secret); the old key must still be listed in tokenization_old_keys',
})
export class RotateTokenizationCommand extends CommandRunner {
  async run(_p: string[], options: CommonOptions): Promise<void> {
    const config = configFrom(options);
    const { keys, origin } = resolveTokenizationKeys(
      config,
      resolve(config.get<string>('data_dir')),
    );
    if (origin === 'none') {
      throw new Error('no tokenization key: set tokenization_secret (BLNK_TOKENIZATION_SECRET)');
    }
    const db = await openDatabase(config);
    try {
      await migrateUp(db.dataSource);
      const ds = db.dataSource;
      const tokenization = new TokenizationUseCases(
        new TypeOrmUnitOfWork(ds),
        new IdentityPgRepository(ds),
        new Tokenizer(keys),
        new DetokenizationAuditPg(),
        keys,
      );
      const report = await tokenization.rotate();
      const [current, ...retired] = keys.ids();
      process.stdout.write(
        `current key ${current}${retired.length ? `; retired keys ${retired.join(', ')}` : ''}\n` +
          `re-encrypted ${report.fields} field(s) of ${report.identities} identit(y/ies)\n`,
      );
      for (const f of report.failures) {
        process.stderr.write(`not rotated: ${f.identityId} ${f.field}: ${f.reason}\n`);
      }
      if (report.failures.length) {
        throw new Error(`${report.failures.length} token(s) could not be re-encrypted`);
      }
    } finally {
      await db.close();
    }
  }

  @Option({
    flags: '-d, --data-dir <dir>',
    description: 'Data directory of embedded mode (default ./.neraca)',
  })
  parseDataDir(v: string): string {
    return v;
  }
}

@Command({
  name: 'keys',
  arguments: '<rotate-tokenization>',
  description: 'Key management (rotate-tokenization: re-encrypt PII tokens under the current key)',
  subCommands: [RotateTokenizationCommand],
})
export class KeysCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
