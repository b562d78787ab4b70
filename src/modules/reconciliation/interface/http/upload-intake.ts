import { pipeline, Transform } from 'node:stream';
import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { validateDto } from '@libs/http/validation.pipe';
import { DomainError } from '@libs/core/domain-error';
import { StatementFetcher } from '../../application/ports/statement-fetcher';
import type { StoredUpload } from '../../application/ports/statement.store';
import { ReconciliationSettings } from '../../application/reconciliation-settings';
import { UploadSession, UploadStatementUseCase } from '../../application/upload-statement.use-case';
import {
  uploadFailed,
  uploadProcessingFailed,
  uploadTooLarge,
} from '../../domain/reconciliation.errors';
import { UploadUrlDto } from './reconciliation.dto';

/** Text fields of an upload form: short, few. */
const FIELD_LIMITS = { fieldNameSize: 100, fieldSize: 4096, fields: 10, files: 1, parts: 12 };

const tooLarge = (e: unknown) => (e as { code?: string })?.code === 'FST_REQ_FILE_TOO_LARGE';

/**
 * POST /reconciliation/upload's two inputs (reference §2.10): a multipart form (`file`,
 * `source`, or `url` instead of a file), streamed part by part, or a JSON body `{url, source}`.
 */
@Injectable()
export class UploadIntake {
  constructor(
    private readonly uploads: UploadStatementUseCase,
    private readonly fetcher: StatementFetcher,
    private readonly settings: ReconciliationSettings,
  ) {}

  /** @throws DomainError RECON_UPLOAD_*, GEN_PAYLOAD_TOO_LARGE. */
  async take(req: FastifyRequest): Promise<StoredUpload> {
    if (req.isMultipart()) return this.multipart(req);
    const body = req.body;
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body))
      throw uploadFailed();
    const dto = validateDto(UploadUrlDto, body);
    if (typeof dto === 'string') {
      if (!('url' in body)) throw uploadFailed();
      throw new DomainError('RECON_UPLOAD_URL_INVALID', dto);
    }
    const session = await this.uploads.open();
    await this.fromUrl(session, dto.url);
    return session.finish(dto.source ?? '');
  }

  private async multipart(req: FastifyRequest): Promise<StoredUpload> {
    const session = await this.uploads.open();
    let source = '';
    let url: string | undefined;
    let file = false;
    try {
      const parts = req.parts({
        limits: { ...FIELD_LIMITS, fileSize: this.settings.maxUploadMb * 1024 * 1024 },
      });
      for await (const part of parts) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file' || file) {
            part.file.resume();
            continue;
          }
          file = true;
          await session.consume(part.file, part.filename);
          if (part.file.truncated) throw uploadTooLarge(this.settings.maxUploadMb);
        } else if (part.fieldname === 'source') source = String(part.value);
        else if (part.fieldname === 'url') url = String(part.value);
      }
      if (!file && url !== undefined) await this.fromUrl(session, url);
    } catch (e) {
      await session.abort();
      if (tooLarge(e)) throw uploadTooLarge(this.settings.maxUploadMb);
      throw e;
    }
    return session.finish(source);
  }

  private async fromUrl(session: UploadSession, url: string): Promise<void> {
    try {
      const { body, filename } = await this.fetcher.fetch(url);
      let bytes = 0;
      const limit = this.settings.maxUploadMb * 1024 * 1024;
      const tooBig = uploadTooLarge(this.settings.maxUploadMb);
      const counted = new Transform({
        transform(chunk: Buffer, _enc, done) {
          bytes += chunk.length;
          if (bytes > limit) done(tooBig);
          else done(null, chunk);
        },
      });
      // pipeline carries a network error of the body to the stream that is read.
      await session.consume(
        pipeline(body, counted, () => undefined),
        filename,
      );
    } catch (e) {
      await session.abort();
      // A body that breaks off or outlasts the timeout mid-file is the download failing.
      if (e instanceof DomainError) throw e;
      throw uploadProcessingFailed(`downloading the URL failed: ${(e as Error).message}`);
    }
  }
}
