import type { FastifyRequest } from 'fastify';
import { DomainError } from '@libs/core/domain-error';

// A raw NUL cannot reach us (Node's HTTP parser refuses it); percent-encoded it can, in a path
// parameter, a query key or a query value alike.
const ENCODED_NUL = /%00/;

/**
 * Refuses, before the body is read, a URL that carries a NUL character. PostgreSQL holds none in
 * text, so every id, reference, filter or option with one would fail its query (the database
 * refusal used to be caught route by route); no stored value can contain one, so nothing is lost.
 * A Fastify `preParsing` hook: it runs after authentication (`onRequest`) on every route.
 */
export async function refuseNulInUrl(req: FastifyRequest): Promise<void> {
  if (ENCODED_NUL.test(req.url)) {
    throw new DomainError('GEN_BAD_REQUEST', 'the URL must not contain a NUL character (%00)');
  }
}
