import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify';
import { DomainError } from '@libs/core/domain-error';
import { stringifyJson } from '@libs/core/json';
import { RequestClaims } from '@libs/core/request-claim';
import { toEnvelope } from '@libs/http/error.filter';
import {
  IDEMPOTENCY_HEADER,
  REPLAYED_HEADER,
  takesIdempotencyKey,
} from '@libs/http/idempotency-route';
import { principalOf } from '@libs/http/principal';
import { parseIdempotencyKey, StoredAnswer, Verdict } from '../../domain/idempotency-key';
import { invalidIdempotencyKey } from '../../domain/idempotency.errors';
import { IdempotencyService, KeyClaim } from '../../application/idempotency.service';

const CLAIM = Symbol('neraca.idempotencyClaim');
type WithClaim = FastifyRequest & { [CLAIM]?: KeyClaim };

/** What identifies a request for its key: method, path with query, and the parsed body. */
function requestHash(req: FastifyRequest): string {
  return createHash('sha256')
    .update(`${req.method} ${req.url}\n`)
    .update(stringifyJson(req.body ?? null))
    .digest('hex');
}

/**
 * The HTTP side of Idempotency-Key (docs/architecture.md, "Idempotency keys"). `preHandler`
 * (after authentication and body parsing, before the route): a recorded key is answered from its
 * record; a new one runs the route with the key's claim bound to the request's async context,
 * where the unit of work finds it. `onSend` (once the answer is serialized, before it is sent):
 * the exact bytes are kept with the key. A request without the header costs a header lookup.
 */
@Injectable()
export class IdempotencyHooks {
  private readonly logger = new Logger('Idempotency');

  constructor(private readonly service: IdempotencyService) {}

  register(fastify: FastifyInstance): void {
    fastify.addHook('preHandler', (req, reply, done) => this.preHandler(req, reply, done));
    fastify.addHook('onSend', (req, reply, payload) => this.onSend(req, reply, payload));
  }

  private preHandler(req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) {
    const raw = req.headers[IDEMPOTENCY_HEADER];
    if (raw === undefined || !takesIdempotencyKey(req)) return done();
    this.begin(req, req.raw.headersDistinct[IDEMPOTENCY_HEADER] ?? [raw].flat()).then(
      (started) => {
        if ('verdict' in started) return void this.sendVerdict(reply, started.verdict);
        (req as WithClaim)[CLAIM] = started.claim;
        // The route runs from here, synchronously: everything it starts carries the claim.
        RequestClaims.run(started.claim, () => done());
      },
      (e: unknown) => {
        if (!(e instanceof DomainError)) {
          this.logger.error(`looking up an Idempotency-Key failed: ${String(e)}`);
        }
        this.sendVerdict(reply, { refuse: e });
      },
    );
  }

  private async begin(req: FastifyRequest, sent: string[]) {
    // Two headers would be read as one key "a, b" (as Node joins them): which one the client
    // meant to retry with is unknown, so neither is guessed.
    if (sent.length !== 1) throw invalidIdempotencyKey('sent more than once; send one header');
    const key = parseIdempotencyKey(sent[0]);
    return this.service.begin({
      scope: principalOf(req).keyId,
      key,
      requestHash: requestHash(req),
    });
  }

  private sendVerdict(reply: FastifyReply, verdict: Verdict | { refuse: unknown }): void {
    if ('replay' in verdict) {
      void reply
        .code(verdict.replay.status)
        .headers(replayHeaders(verdict.replay))
        .send(Buffer.from(verdict.replay.body));
      return;
    }
    const { status, body, headers } = toEnvelope(verdict.refuse);
    void reply
      .code(status)
      .headers(headers ?? {})
      .header('content-type', 'application/json; charset=utf-8')
      .send(body);
  }

  private async onSend(req: FastifyRequest, reply: FastifyReply, payload: unknown) {
    const claim = (req as WithClaim)[CLAIM];
    if (!claim) return payload;
    (req as WithClaim)[CLAIM] = undefined;
    const body = bytesOf(payload);
    if (!body) {
      // Not a body this layer can keep (a stream): the key answers as in progress / lost.
      claim.end();
      return payload;
    }
    const answer: StoredAnswer = {
      status: reply.statusCode,
      contentType: headerText(reply.getHeader('content-type')),
      body,
    };
    let verdict: Verdict | undefined;
    try {
      verdict = await this.service.finish(claim, answer);
    } catch (e) {
      // The answer still goes out; a retry then meets the key without an answer (409).
      this.logger.warn(`keeping the answer of an Idempotency-Key failed: ${String(e)}`);
      return payload;
    }
    if (!verdict) return payload;
    if ('replay' in verdict) {
      reply.code(verdict.replay.status).headers(replayHeaders(verdict.replay));
      return Buffer.from(verdict.replay.body);
    }
    const { status, body: envelope } = toEnvelope(verdict.refuse);
    reply.code(status).header('content-type', 'application/json; charset=utf-8');
    return stringifyJson(envelope);
  }
}

function replayHeaders(answer: StoredAnswer): Record<string, string> {
  return {
    ...(answer.contentType ? { 'content-type': answer.contentType } : {}),
    [REPLAYED_HEADER]: 'true',
  };
}

function bytesOf(payload: unknown): Uint8Array | undefined {
  if (payload === undefined || payload === null) return new Uint8Array();
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (payload instanceof Uint8Array) return payload;
  return undefined;
}

function headerText(v: number | string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(', ') : String(v);
}
