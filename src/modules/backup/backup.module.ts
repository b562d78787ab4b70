import { DynamicModule, Module } from '@nestjs/common';
import type { PGlite } from '@electric-sql/pglite';
import { DataSource } from 'typeorm';
import { BackupSettings } from './application/backup-settings';
import { BackupUseCases } from './application/backup.use-cases';
import { BackupStore } from './application/ports/backup-store';
import { DatabaseDumper } from './application/ports/database-dumper';
import { PgliteDumper } from './infrastructure/pglite/pglite.dumper';
import { PgDumpDumper } from './infrastructure/postgres/pg-dump.dumper';
import { S3BackupStore } from './infrastructure/s3/s3.backup-store';
import { BackupController } from './interface/http/backup.controller';

export interface BackupDependencies {
  settings: BackupSettings;
  /** The embedded PGlite, dumped with its own pg_dump; absent = PostgreSQL through pg_dump. */
  embedded?: PGlite;
}

/** The dumper of the backend at hand: also what `neraca backup` / `restore` use. */
export function dumperFor(db: DataSource, embedded?: PGlite): DatabaseDumper {
  return embedded ? new PgliteDumper(embedded, db) : new PgDumpDumper(db);
}

/** Backups to disk and S3 (reference §2.13). */
@Module({})
export class BackupModule {
  static with(deps: BackupDependencies): DynamicModule {
    return {
      module: BackupModule,
      controllers: [BackupController],
      providers: [
        BackupUseCases,
        { provide: BackupSettings, useValue: deps.settings },
        {
          provide: DatabaseDumper,
          useFactory: (db: DataSource) => dumperFor(db, deps.embedded),
          inject: [DataSource],
        },
        { provide: BackupStore, useValue: new S3BackupStore(deps.settings.s3) },
      ],
    };
  }
}
