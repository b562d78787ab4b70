import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { migrateUp } from '@libs/persistence/migrate';
import { standaloneReconciliation } from '../../modules/reconciliation/reconciliation.standalone';
import type { Reconciliation } from '../../modules/reconciliation/domain/reconciliation';
import { openDatabase, reconciliationSettingsFrom } from '../server';
import { CommonOptions, configFrom, DataDirCommand } from './config-options';
import { progressBar } from './progress-bar';

interface UploadOptions extends CommonOptions {
  source?: string;
}

interface StartOptions extends CommonOptions {
  uploadId?: string;
  strategy?: string;
  rule?: string[];
  groupingCriteria?: string;
  dryRun?: boolean;
}

/** Opens the database (migrated), runs `work`, closes it; a domain error is printed, exit 1. */
async function withReconciliation<T>(
  o: CommonOptions,
  work: (r: ReturnType<typeof standaloneReconciliation>) => Promise<T>,
): Promise<T | undefined> {
  const config = configFrom(o);
  const db = await openDatabase(config);
  try {
    await migrateUp(db.dataSource);
    return await work(standaloneReconciliation(db.dataSource, reconciliationSettingsFrom(config)));
  } catch (e) {
    const err = e as Error & { code?: string };
    process.stderr.write(`${err.code ? `${err.code}: ` : ''}${err.message}\n`);
    process.exitCode = 1;
    return undefined;
  } finally {
    await db.close();
  }
}

@SubCommand({
  name: 'upload',
  arguments: '<file>',
  description: 'Upload a statement (CSV or JSON) as POST /reconciliation/upload does',
})
export class ReconcileUploadCommand extends DataDirCommand {
  @Option({ flags: '--source <name>', description: 'The statement source (bank, processor)' })
  parseSource(v: string): string {
    return v;
  }

  async run([file]: string[], o: UploadOptions): Promise<void> {
    const stored = await withReconciliation(o, async (r) => {
      const session = await r.uploads.open();
      try {
        await session.consume(createReadStream(file), basename(file));
      } catch (e) {
        await session.abort();
        throw e;
      }
      return session.finish(o.source ?? '');
    });
    if (!stored) return;
    process.stdout.write(
      JSON.stringify({
        upload_id: stored.uploadId,
        record_count: stored.recordCount,
        source: stored.source,
      }) + '\n',
    );
  }
}

@SubCommand({
  name: 'start',
  description:
    'Start a reconciliation and run it in this process with a progress bar (workers may share it)',
})
export class ReconcileStartCommand extends DataDirCommand {
  @Option({ flags: '--upload-id <id>', description: 'The uploaded statement', required: true })
  parseUpload(v: string): string {
    return v;
  }

  @Option({ flags: '--strategy <s>', description: 'one_to_one, one_to_many or many_to_one' })
  parseStrategy(v: string): string {
    return v;
  }

  @Option({ flags: '--rule <id>', description: 'A matching rule id (repeat for several)' })
  parseRule(v: string, previous: string[] = []): string[] {
    return [...previous, v];
  }

  @Option({ flags: '--grouping-criteria <field>', description: 'What groups are formed by' })
  parseGrouping(v: string): string {
    return v;
  }

  @Option({ flags: '--dry-run', description: 'Count matches, record nothing' })
  parseDryRun(): boolean {
    return true;
  }

  async run(_p: string[], o: StartOptions): Promise<void> {
    const done = await withReconciliation(o, async (r) => {
      const id = await r.start.start({
        uploadId: o.uploadId ?? '',
        strategy: o.strategy ?? 'one_to_one',
        ruleIds: o.rule ?? [],
        groupingCriteria: o.groupingCriteria,
        dryRun: o.dryRun ?? false,
      });
      process.stderr.write(`reconciliation ${id}\n`);
      return follow(r, id);
    });
    if (!done) return;
    process.stdout.write(
      `reconciliation ${done.status}: ${done.matched} matched, ${done.unmatched} unmatched of ${done.total} (${done.reconciliationId})\n`,
    );
    if (done.status === 'failed') process.exitCode = 1;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Steps the run here (a worker holding its lease keeps it, and this process follows), with a
 * cli-progress bar on stderr: whole lines when stderr is not a terminal.
 */
async function follow(
  r: ReturnType<typeof standaloneReconciliation>,
  id: string,
): Promise<Reconciliation> {
  const owner = `cli_${randomUUID()}`;
  const bar = progressBar(
    'reconcile {bar} {percentage}% | {value}/{total} rows | {matched} matched',
  );
  let run = (await r.find(id))!;
  bar.start(Math.max(run.total, 1), run.processed, { matched: run.matched });
  while (run.status === 'started' || run.status === 'in_progress') {
    // Whatever run the lease gives (the oldest open one) is stepped to its end: this process
    // helps the queue along until its own run is done, with or without workers.
    let leased = await r.runner.lease(owner);
    while (leased) {
      leased = await r.runner.step(leased, owner);
      if (leased?.reconciliationId === id)
        bar.update(leased.processed, { matched: leased.matched });
    }
    run = (await r.find(id))!;
    bar.update(run.processed, { matched: run.matched });
    if (run.status === 'started' || run.status === 'in_progress') await sleep(200);
  }
  bar.update(run.processed, { matched: run.matched });
  bar.stop();
  return run;
}

@Command({
  name: 'reconcile',
  description: 'Reconciliation: upload statements, run reconciliations',
  subCommands: [ReconcileUploadCommand, ReconcileStartCommand],
})
export class ReconcileCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
