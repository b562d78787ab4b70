import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError } from '@libs/core/domain-error';
import { envelope, ErrorEnvelope } from './error-envelope';
import { JsonBodyError } from '@libs/core/json';

/** Turns anything thrown into Blnk's error envelope; a stack trace never reaches a client. */
export function toEnvelope(err: unknown, logger?: Logger): ErrorEnvelope {
  if (err instanceof DomainError)
    return envelope(err.code, err.message, err.details, err.legacyKey, err.extra);
  if (err instanceof JsonBodyError) {
    return envelope('GEN_MALFORMED_REQUEST', `Invalid input: ${err.message}`, undefined, 'errors');
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status === 404) return envelope('GEN_NOT_FOUND', 'route not found');
    if (status === 413) return envelope('GEN_PAYLOAD_TOO_LARGE', 'request body too large');
    if (status < 500) return envelope('GEN_BAD_REQUEST', err.message);
  }
  const code = (err as { code?: unknown })?.code;
  const statusCode = (err as { statusCode?: unknown })?.statusCode;
  if (typeof code === 'string' && code.startsWith('FST_')) {
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return envelope('GEN_PAYLOAD_TOO_LARGE', 'request body too large');
    }
    if (typeof statusCode === 'number' && statusCode < 500) {
      return envelope(
        'GEN_MALFORMED_REQUEST',
        `Invalid input: ${(err as Error).message}`,
        undefined,
        'errors',
      );
    }
  }
  logger?.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  return envelope('GEN_INTERNAL', 'internal server error');
}

@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  private readonly logger = new Logger('Neraca');

  catch(err: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = toEnvelope(err, this.logger);
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
