import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { link, mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { Clock } from '@libs/core/clock';
import { DomainError } from '@libs/core/domain-error';
import { backupPath } from '../domain/backup';
import { backupFailed, restoreTargetNotEmpty } from '../domain/backup.errors';
import { BackupSettings } from './backup-settings';
import { BackupStore } from './ports/backup-store';
import { ByteProgress, DatabaseDumper } from './ports/database-dumper';

export interface BackupResult {
  /** The file written. */
  file: string;
  bytes: number;
  /** Where it was uploaded, for an S3 backup. */
  uploaded?: { bucket: string; key: string };
}

export interface BackupOptions {
  /** Another directory than `backup_dir` (`neraca backup --out DIR`). */
  dir?: string;
  onDump?: ByteProgress;
  onUpload?: ByteProgress;
}

/** Same-second backups tried before giving up (each takes the next `-<n>` name). */
const NAME_TRIES = 100;

/**
 * Backups (reference §2.13) to disk and S3, and their restore. A dump is written to a private
 * temporary file and then linked to its name, which fails if the name is taken: a crash never
 * leaves a truncated `.sql` under a backup's name, and two backups of one second (two API
 * processes, say) get two files.
 */
@Injectable()
export class BackupUseCases {
  constructor(
    private readonly dumper: DatabaseDumper,
    private readonly store: BackupStore,
    private readonly settings: BackupSettings,
    private readonly clock: Clock,
  ) {}

  /** @throws DomainError ADMIN_BACKUP_FAILED */
  async toDisk(opts: BackupOptions = {}): Promise<BackupResult> {
    return this.guard(() => this.dump(opts));
  }

  /** A backup to disk, then uploaded under its path below the backup directory. */
  async toS3(opts: BackupOptions = {}): Promise<BackupResult> {
    if (!this.store.configured) throw backupFailed('s3_bucket_name is not configured');
    return this.guard(async () => {
      const done = await this.dump(opts);
      const key = relative(this.dirOf(opts), done.file).split('\\').join('/');
      return { ...done, uploaded: await this.store.upload(done.file, key, opts.onUpload) };
    });
  }

  /**
   * Restores a dump into the configured database, which must be new (no schema blnk).
   * @throws DomainError GEN_CONFLICT when it is not; ADMIN_BACKUP_FAILED when the dump fails.
   */
  async restore(file: string, onProgress?: ByteProgress): Promise<void> {
    await stat(file).catch(() => {
      throw backupFailed(`no such file: ${file}`);
    });
    if (!(await this.dumper.isEmpty())) throw restoreTargetNotEmpty();
    await this.guard(() => this.dumper.restoreFrom(file, onProgress));
  }

  private dirOf(opts: BackupOptions): string {
    return resolve(opts.dir ?? this.settings.dir);
  }

  private async dump(opts: BackupOptions): Promise<BackupResult> {
    const dir = this.dirOf(opts);
    const at = this.clock.now();
    const first = join(dir, backupPath(await this.dumper.databaseName(), at));
    await mkdir(dirname(first), { recursive: true, mode: 0o700 });
    const partial = join(dirname(first), `.partial-${randomBytes(6).toString('hex')}`);
    try {
      await this.dumper.dumpTo(partial, opts.onDump);
      for (let attempt = 0; attempt < NAME_TRIES; attempt++) {
        const file = join(dir, backupPath(await this.dumper.databaseName(), at, attempt));
        try {
          await link(partial, file);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
          throw e;
        }
        return { file, bytes: (await stat(file)).size };
      }
      throw backupFailed(`${NAME_TRIES} backups already named for this second`);
    } finally {
      await rm(partial, { force: true });
    }
  }

  /** Any failure is Blnk's ADMIN_BACKUP_FAILED, with what went wrong (never a bare 500). */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      if (e instanceof DomainError) throw e;
      throw backupFailed(e instanceof Error ? e.message : String(e));
    }
  }
}
