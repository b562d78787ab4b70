/** `s3_*` and `aws_*` (reference §10.2): where `GET /backup-s3` and `neraca backup --s3` upload. */
export class S3Settings {
  constructor(
    readonly bucket: string = '',
    readonly region: string = '',
    /** An S3-compatible store's URL (path-style addressing); empty = AWS. */
    readonly endpoint: string = '',
    readonly accessKeyId: string = '',
    readonly secretAccessKey: string = '',
  ) {}
}

/** `backup_dir`: where backups are written (`<data_dir>/backups` when not configured). */
export class BackupSettings {
  constructor(
    readonly dir: string,
    readonly s3: S3Settings = new S3Settings(),
  ) {}
}
