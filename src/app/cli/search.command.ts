import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { DomainError } from '@libs/core/domain-error';
import { migrateUp } from '@libs/persistence/migrate';
import type { ReindexProgress } from '../../modules/search/domain/reindex';
import { standaloneReindexer } from '../../modules/search/search.module';
import { openDatabase, searchSettingsFrom } from '../server';
import { CommonOptions, configFrom, DataDirCommand } from './config-options';
import { progressBar } from './progress-bar';

interface ReindexOptions extends CommonOptions {
  batchSize?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

@SubCommand({
  name: 'reindex',
  description:
    'Rebuild the Typesense collections from PostgreSQL with a progress bar (joins a run already in progress)',
})
export class SearchReindexCommand extends DataDirCommand {
  @Option({ flags: '--batch-size <n>', description: 'Documents per batch, 1-10000 (default 1000)' })
  parseBatchSize(v: string): string {
    return v;
  }

  async run(_p: string[], o: ReindexOptions): Promise<void> {
    const config = configFrom(o);
    const db = await openDatabase(config);
    let last: ReindexProgress;
    try {
      await migrateUp(db.dataSource);
      const settings = searchSettingsFrom(config);
      const reindexer = standaloneReindexer(db.dataSource, settings);
      try {
        await reindexer.start(o.batchSize === undefined ? {} : { batch_size: o.batchSize });
      } catch (e) {
        if (!(e instanceof DomainError) || e.code !== 'SRCH_REINDEX_IN_PROGRESS') throw e;
        process.stderr.write('a reindex is already in progress: following it\n');
      }
      if (!settings.typesense) {
        process.stdout.write(
          'typesense.dns is not set: search reads PostgreSQL, nothing to rebuild\n',
        );
      }
      // This process steps the run itself (workers, if any, share it batch by batch through the
      // lease), so the command finishes the job even when no worker is running.
      const bar = progressBar('reindex {bar} {percentage}% | {value}/{total} records | {phase}');
      last = await reindexer.progress();
      bar.start(last.total_records, last.processed_records, { phase: last.phase });
      let wait = 0;
      let pausedShown = false;
      while (last.status === 'in_progress') {
        const step = await reindexer.step();
        last = await reindexer.progress();
        bar.setTotal(Math.max(last.total_records, 1));
        bar.update(last.processed_records, { phase: last.phase });
        if (last.paused && !pausedShown) {
          process.stderr.write(`\npaused: ${last.pause_reason ?? ''}; retrying\n`);
        }
        pausedShown = last.paused;
        wait =
          step === 'more'
            ? 0
            : step === 'paused'
              ? Math.min(wait * 2 || 250, settings.maxBackoffMs)
              : 200;
        if (wait) await sleep(wait);
      }
      bar.stop();
    } finally {
      await db.close();
    }
    const errors = last.errors?.length ? `; errors: ${last.errors.join('; ')}` : '';
    process.stdout.write(
      `reindex ${last.status}: ${last.processed_records} of ${last.total_records} records${errors}\n`,
    );
    if (last.status === 'failed') process.exitCode = 1;
  }
}

@Command({
  name: 'search',
  description: 'Search operations (Typesense)',
  subCommands: [SearchReindexCommand],
})
export class SearchCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
