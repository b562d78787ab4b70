import { pipeline, Readable, Transform } from 'node:stream';
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
  uploadMalformed,
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
    // What the multipart body itself threw (busboy: no boundary, a malformed part header, the
    // body ending inside a part): the client's fault, told apart from the session's own failures
    // (the database, a bad statement) by where it came from, never by its message.
    let bodyError: unknown;
    let current: Readable | undefined;
    try {
      const form = req.parts({
        limits: { ...FIELD_LIMITS, fileSize: this.settings.maxUploadMb * 1024 * 1024 },
      });
      const parts = form[Symbol.asyncIterator]();
      for (;;) {
        const next = await parts.next().catch((e: unknown) => {
          bodyError = e;
          throw e;
        });
        if (next.done) break;
        const part = next.value;
        if (part.type === 'file') {
          // The parser may have failed the file before it is handed over (a body that arrives
          // whole): then the error is on the stream already and no 'error' event comes.
          current = part.file;
          part.file.once('error', (e: unknown) => (bodyError = e));
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
      bodyError ??= current?.errored ?? undefined;
      if (bodyError !== undefined && !(e instanceof DomainError)) {
        throw uploadMalformed((bodyError as Error)?.message ?? String(bodyError));
      }
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
