import { join, resolve } from 'node:path';
import { BackupSettings, S3Settings } from '../../modules/backup/application/backup-settings';
import type { NeracaConfig } from './neraca-config';

/** backup_dir (`<data_dir>/backups` when unset) and the s3_* / aws_* keys (reference §10.2). */
export function backupSettingsFrom(config: NeracaConfig): BackupSettings {
  const dir = config.get<string>('backup_dir') || join(config.get<string>('data_dir'), 'backups');
  return new BackupSettings(
    resolve(dir),
    new S3Settings(
      config.get<string>('s3_bucket_name'),
      config.get<string>('s3_region'),
      config.get<string>('s3_endpoint'),
      config.get<string>('aws_access_key_id'),
      config.get<string>('aws_secret_access_key'),
    ),
  );
}
