import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { backupFailed } from '../../domain/backup.errors';
import { S3Settings } from '../../application/backup-settings';
import { BackupStore } from '../../application/ports/backup-store';
import type { ByteProgress } from '../../application/ports/database-dumper';

/** Parts of a multipart upload (S3's minimum is 5 MiB), and how many go at once. */
const PART_SIZE = 8 * 1024 * 1024;
const PARTS_AT_ONCE = 4;

/**
 * S3, or an S3-compatible store when `s3_endpoint` is set (path-style addressing, as Blnk). The
 * file is streamed from disk in parts, never read whole into memory. Without configured keys the
 * SDK's own chain (environment, instance role) supplies credentials.
 */
export class S3BackupStore extends BackupStore {
  constructor(private readonly s3: S3Settings) {
    super();
  }

  get configured(): boolean {
    return !!this.s3.bucket;
  }

  async upload(
    file: string,
    key: string,
    onProgress?: ByteProgress,
  ): Promise<{ bucket: string; key: string }> {
    const { size } = await stat(file);
    const client = new S3Client({
      region: this.s3.region || 'us-east-1',
      endpoint: this.s3.endpoint || undefined,
      forcePathStyle: true,
      credentials:
        this.s3.accessKeyId && this.s3.secretAccessKey
          ? { accessKeyId: this.s3.accessKeyId, secretAccessKey: this.s3.secretAccessKey }
          : undefined,
    });
    try {
      const upload = new Upload({
        client,
        params: { Bucket: this.s3.bucket, Key: key, Body: createReadStream(file) },
        partSize: PART_SIZE,
        queueSize: PARTS_AT_ONCE,
      });
      upload.on('httpUploadProgress', (p) => onProgress?.(p.loaded ?? 0, size));
      await upload.done();
      return { bucket: this.s3.bucket, key };
    } catch (e) {
      throw backupFailed(`upload to s3://${this.s3.bucket}/${key} failed: ${(e as Error).message}`);
    } finally {
      client.destroy();
    }
  }
}
