import type { ByteProgress } from './database-dumper';

/** Port: off-site storage of backup files (S3 or an S3-compatible store). */
export abstract class BackupStore {
  /** Whether a bucket is configured at all. */
  abstract get configured(): boolean;
  /**
   * Streams `file` to the store under `key` (multipart for large files).
   * @throws DomainError ADMIN_BACKUP_FAILED when the store refuses or cannot be reached.
   */
  abstract upload(
    file: string,
    key: string,
    onProgress?: ByteProgress,
  ): Promise<{ bucket: string; key: string }>;
}
