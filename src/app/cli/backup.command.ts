import { SingleBar } from 'cli-progress';
import { Command, Option } from 'nest-commander';
import { SystemClock } from '@libs/core/clock';
import { DomainError } from '@libs/core/domain-error';
import { BackupUseCases } from '../../modules/backup/application/backup.use-cases';
import type { ByteProgress } from '../../modules/backup/application/ports/database-dumper';
import { dumperFor } from '../../modules/backup/backup.module';
import { S3BackupStore } from '../../modules/backup/infrastructure/s3/s3.backup-store';
import type { NeracaConfig } from '../config/neraca-config';
import { backupSettingsFrom } from '../config/backup-settings';
import { Database, openDatabase } from '../server';
import { CommonOptions, configFrom, DataDirCommand } from './config-options';

const MB = 1024 * 1024;

/** A progress bar on stderr in megabytes (one line per update without a terminal). */
function progressBar(label: string): { update: ByteProgress; stop(): void } {
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {done} of ~{size} MB`,
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 1000,
    hideCursor: true,
  });
  let started = false;
  return {
    update(done, total) {
      const payload = { done: (done / MB).toFixed(1), size: (total / MB).toFixed(1) };
      if (!started) {
        bar.start(Math.max(total, 1), done, payload);
        started = true;
      } else {
        bar.setTotal(Math.max(total, 1));
        bar.update(done, payload);
      }
    },
    stop: () => (started ? bar.stop() : undefined),
  };
}

async function withBackups<T>(
  config: NeracaConfig,
  work: (backups: BackupUseCases) => Promise<T>,
): Promise<T> {
  const db: Database = await openDatabase(config);
  try {
    const settings = backupSettingsFrom(config);
    const backups = new BackupUseCases(
      dumperFor(db.dataSource, db.embedded?.pglite),
      new S3BackupStore(settings.s3),
      settings,
      new SystemClock(),
    );
    return await work(backups);
  } catch (e) {
    if (e instanceof DomainError && e.details) {
      const reason = (e.details as { reason?: string }).reason ?? '';
      throw new Error(`${e.message}: ${reason}`, { cause: e });
    }
    throw e;
  } finally {
    await db.close();
  }
}

interface BackupCommandOptions extends CommonOptions {
  s3?: boolean;
  out?: string;
}

@Command({
  name: 'backup',
  description:
    'Dump the database to <backup_dir>/<date>/<db>-<HHMMSS>.sql (PostgreSQL: pg_dump of the server version; embedded: PGlite); --s3 also uploads it',
})
export class BackupCommand extends DataDirCommand {
  @Option({ flags: '--s3', description: 'Upload the backup to s3_bucket_name as well' })
  parseS3(): boolean {
    return true;
  }

  @Option({ flags: '--out <dir>', description: 'Directory instead of backup_dir' })
  parseOut(v: string): string {
    return v;
  }

  async run(_p: string[], o: BackupCommandOptions): Promise<void> {
    const dump = progressBar('dump  ');
    const upload = progressBar('upload');
    const result = await withBackups(configFrom(o), (backups) => {
      const opts = { dir: o.out, onDump: dump.update, onUpload: upload.update };
      return o.s3 ? backups.toS3(opts) : backups.toDisk(opts);
    }).finally(() => {
      dump.stop();
      upload.stop();
    });
    process.stdout.write(`backup written: ${result.file} (${result.bytes} bytes)\n`);
    if (result.uploaded) {
      process.stdout.write(`uploaded: s3://${result.uploaded.bucket}/${result.uploaded.key}\n`);
    }
  }
}

@Command({
  name: 'restore',
  arguments: '<file>',
  description:
    'Restore a backup made by `neraca backup` or GET /backup into the configured database, which must be new (no schema blnk)',
})
export class RestoreCommand extends DataDirCommand {
  async run([file]: string[], o: CommonOptions): Promise<void> {
    const bar = progressBar('restore');
    await withBackups(configFrom(o), (backups) => backups.restore(file, bar.update)).finally(() =>
      bar.stop(),
    );
    process.stdout.write(`restored ${file}\n`);
  }
}
