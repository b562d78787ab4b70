import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@libs/core/domain-error';
import { envelope } from '@libs/http/error-envelope';

/**
 * What every answer carries, whoever produced it: Nest, Fastify's router, or Node's HTTP parser
 * (reference §1.3).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
});

// The docs page is the one HTML response: it needs its own scripts, styles and images.
const DOCS_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

export function applySecurityHeaders(req: FastifyRequest, reply: FastifyReply): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
  if (req.url.startsWith('/docs')) reply.header('content-security-policy', DOCS_CSP);
  if (req.protocol === 'https' || req.headers['x-forwarded-proto'] === 'https') {
    reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
  }
}

const CLIENT_ERROR_LINGER_MS = 2000;

/**
 * Node's `clientError`: a request its HTTP parser refused before Fastify saw it (headers too
 * large, a lowercase or unknown method, a broken request line, a request too slow to arrive).
 * Fastify's default writes `{"message":"Client Error"}`; this writes Blnk's envelope with a code
 * and the security headers, then closes the connection (the parser cannot go on after an error).
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const [code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? ['GEN_HEADERS_TOO_LARGE', 'the request headers are too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['GEN_REQUEST_TIMEOUT', 'the request did not arrive in time']
        : [
            'GEN_BAD_REQUEST',
            'the request is not valid HTTP/1.1 (request line, method or headers)',
          ];
  const { status, body } = envelope(code, message);
  const text = JSON.stringify(body);
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    connection: 'close',
    ...SECURITY_HEADERS,
  };
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n\r\n${text}`);
  // end() lets the answer reach the client; a client that never closes its side is cut off.
  setTimeout(() => socket.destroy(), CLIENT_ERROR_LINGER_MS).unref();
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Cross-site request forgery (issue 11 finding 9): a browser on another origin can send a write
 * with no custom header at all (a form, or fetch in no-cors mode), and with authentication off
 * nothing else stops it. Browsers name the page that sent a request in `Origin`; server-side
 * clients (the SDK, curl) send none. A write whose `Origin` is neither this API's own (the docs
 * page) nor one of `server.allowed_origins` is refused before its body is read.
 */
export function originGuard(allowedOrigins: readonly string[]) {
  const allowed = new Set(allowedOrigins.map((o) => o.trim().replace(/\/+$/, '').toLowerCase()));
  return async (req: FastifyRequest): Promise<void> => {
    if (SAFE_METHODS.has(req.method)) return;
    const origin = req.headers.origin;
    if (origin === undefined) return;
    const normalized = origin.trim().toLowerCase();
    if (allowed.has(normalized) || sameOrigin(normalized, req.headers.host)) return;
    throw new DomainError(
      'GEN_ORIGIN_NOT_ALLOWED',
      `requests from origin ${JSON.stringify(origin.slice(0, 200))} are not allowed: add it to ` +
        'server.allowed_origins (NERACA_ALLOWED_ORIGINS) to let a browser page there write',
    );
  };
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false;
  }
}
