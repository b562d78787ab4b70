import multipart from '@fastify/multipart';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '@libs/core/domain-error';
import { toEnvelope } from '@libs/http/error.filter';

/** The one route that takes multipart/form-data (reference §2.10). */
export const UPLOAD_ROUTE = '/reconciliation/upload';

/**
 * Registers @fastify/multipart for the statement upload only: its parser reads nothing by
 * itself (the route streams the parts), and a multipart body sent to any other route is 415, as
 * every body that is not JSON is (docs/security.md, "The edge").
 */
export async function registerUploadParsing(app: NestFastifyApplication): Promise<void> {
  await app.register(multipart as never, { throwFileSizeLimit: true });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('preValidation', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.isMultipart() || req.routeOptions.url === UPLOAD_ROUTE) return;
    const { status, body } = toEnvelope(
      new DomainError(
        'GEN_UNSUPPORTED_MEDIA_TYPE',
        'multipart/form-data is taken by POST /reconciliation/upload only',
      ),
    );
    return reply
      .status(status)
      .header('content-type', 'application/json; charset=utf-8')
      .send(body);
  });
}
