import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@libs/core/domain-error';
import { envelope, ErrorEnvelope } from './error-envelope';
import { JsonBodyError } from '@libs/core/json';
import { isServiceUnavailable } from './service-unavailable';

/** What the filter knows of the request an error belongs to. */
export interface ErrorRequest {
  method?: string;
  url?: string;
}

/**
 * The legacy key of a body Blnk could not bind (malformed JSON, or JSON that is not an object:
 * the same binding failure in Go). Blnk answers it with the standard `error` key (reference §6.1,
 * e.g. POST /transactions: GEN_MALFORMED_REQUEST "Invalid input"), except the ledger handlers,
 * which kept their historical `errors` key (reference §2.2).
 */
export function malformedBodyKey(req?: ErrorRequest): 'error' | 'errors' {
  const path = (req?.url ?? '').split('?')[0].replace(/\/+$/, '');
  const ledgerWrite =
    (req?.method === 'POST' && path === '/ledgers') ||
    (req?.method === 'PUT' && /^\/ledgers\/[^/]+$/.test(path));
  return ledgerWrite ? 'errors' : 'error';
}

function malformed(message: string, req?: ErrorRequest): ErrorEnvelope {
  return envelope(
    'GEN_MALFORMED_REQUEST',
    `Invalid input: ${message}`,
    undefined,
    malformedBodyKey(req),
  );
}

// SQLSTATE classes a request's own values cause: 22 data exception (NUL byte, bad Unicode in
// JSONB, numeric overflow, bad date) and 54 program limit exceeded (an index row over btree's
// limit, nesting beyond the stack). Validation refuses these first where it can; this is the net.
const INPUT_SQLSTATE = /^(22|54)[0-9A-Z]{3}$/;

/** The SQLSTATE of a database error (TypeORM's QueryFailedError or a pg error), if it is one. */
function sqlState(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown }; severity?: unknown };
  if (!e || typeof e !== 'object') return undefined;
  const code = e.driverError?.code ?? (typeof e.severity === 'string' ? e.code : undefined);
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

// Only JSON bodies (docs/security.md, "The edge"): what a cross-site form could send is refused.
const unsupportedMediaType = () =>
  envelope(
    'GEN_UNSUPPORTED_MEDIA_TYPE',
    'a request body must be sent as Content-Type: application/json',
  );

/** Turns anything thrown into Blnk's error envelope; a stack trace never reaches a client. */
export function toEnvelope(err: unknown, logger?: Logger, req?: ErrorRequest): ErrorEnvelope {
  if (err instanceof DomainError)
    return envelope(err.code, err.message, err.details, err.legacyKey, err.extra);
  if (err instanceof JsonBodyError) return malformed(err.message, req);
  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status === 404) return envelope('GEN_NOT_FOUND', 'route not found');
    if (status === 413) return envelope('GEN_PAYLOAD_TOO_LARGE', 'request body too large');
    if (status === 415) return unsupportedMediaType();
    if (status < 500) return envelope('GEN_BAD_REQUEST', err.message);
  }
  const code = (err as { code?: unknown })?.code;
  const statusCode = (err as { statusCode?: unknown })?.statusCode;
  if (typeof code === 'string' && code.startsWith('FST_')) {
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return envelope('GEN_PAYLOAD_TOO_LARGE', 'request body too large');
    }
    if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return unsupportedMediaType();
    // Raised by the router before any route runs (Fastify's frameworkErrors); the message would
    // echo the whole path.
    if (code === 'FST_ERR_MAX_PARAM_LENGTH') {
      return envelope('GEN_BAD_REQUEST', 'a path parameter is too long');
    }
    if (code === 'FST_ERR_BAD_URL') {
      return envelope('GEN_BAD_REQUEST', 'the path is not valid URL encoding');
    }
    if (typeof statusCode === 'number' && statusCode < 500) {
      return malformed((err as Error).message, req);
    }
  }
  const state = sqlState(err);
  if (state && INPUT_SQLSTATE.test(state)) {
    logger?.warn(`request refused by the database (SQLSTATE ${state}): ${(err as Error).message}`);
    return envelope(
      'GEN_BAD_REQUEST',
      'the request holds a value the ledger cannot store or look up (too long, too large, ' +
        'too deeply nested, or with a NUL character or invalid Unicode)',
    );
  }
  if (isServiceUnavailable(err)) {
    // An outage, not a fault: the request may have changed nothing or (a broken COMMIT) may have
    // been carried out; a retry with the same reference or Idempotency-Key tells which.
    logger?.warn(`database unavailable: ${(err as Error).message ?? String(err)}`);
    return envelope(
      'GEN_SERVICE_UNAVAILABLE',
      'the ledger cannot reach its database right now; retry after the time in Retry-After',
    );
  }
  logger?.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  return envelope('GEN_INTERNAL', 'internal server error');
}

@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  private readonly logger = new Logger('Neraca');

  catch(err: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const req = http.getRequest<FastifyRequest | undefined>();
    const { status, body, headers } = toEnvelope(err, this.logger, req);
    void reply
      .status(status)
      .headers(headers ?? {})
      .header('content-type', 'application/json; charset=utf-8')
      .send(body);
  }
}
