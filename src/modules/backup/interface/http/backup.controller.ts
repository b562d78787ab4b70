import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiSummary, ErrorDetailView } from '@libs/http/openapi';
import { NoIdempotencyKey } from '@libs/http/idempotency-route';
import { BackupUseCases } from '../../application/backup.use-cases';

/** The legacy part of a backup failure: an object, not a string (reference §6.1). */
class BackupLegacyErrorView {
  @ApiProperty({ example: 'INTERNAL_SERVER_ERROR' }) code!: string;
  @ApiProperty({ example: 'error creating backup' }) message!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
}

class BackupErrorView {
  @ApiProperty({ type: BackupLegacyErrorView }) error!: BackupLegacyErrorView;
  @ApiProperty({ type: ErrorDetailView }) error_detail!: ErrorDetailView;
}

const OK = JSON.stringify('backup successful');

/**
 * Backups (reference §2.13), master key only: a dump holds every identity and key hash. GET, as
 * in Blnk, although it writes: clients already call it so.
 */
@ApiTags('backup')
@Controller()
export class BackupController {
  constructor(private readonly backups: BackupUseCases) {}

  @Get('backup')
  @NoIdempotencyKey()
  @Header('content-type', 'application/json; charset=utf-8')
  @ApiSummary('backup', 'Dump the database into backup_dir (<date>/<db>-<HHMMSS>.sql)')
  @ApiOkResponse({ schema: { type: 'string', example: 'backup successful' } })
  @ApiResponse({ status: 500, type: BackupErrorView, description: 'ADMIN_BACKUP_FAILED' })
  @ApiErrors()
  async backup(): Promise<string> {
    await this.backups.toDisk();
    return OK;
  }

  @Get('backup-s3')
  @NoIdempotencyKey()
  @Header('content-type', 'application/json; charset=utf-8')
  @ApiSummary('backupS3', 'Dump the database into backup_dir and upload it to s3_bucket_name')
  @ApiOkResponse({ schema: { type: 'string', example: 'backup successful' } })
  @ApiResponse({ status: 500, type: BackupErrorView, description: 'ADMIN_BACKUP_FAILED' })
  @ApiErrors()
  async backupS3(): Promise<string> {
    await this.backups.toS3();
    return OK;
  }
}
