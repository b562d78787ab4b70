import { DomainError } from '@libs/core/domain-error';

/** The header is empty, too long or not visible ASCII (400). */
export const invalidIdempotencyKey = (reason: string) =>
  new DomainError('IDEMPOTENCY_KEY_INVALID', `invalid Idempotency-Key header: ${reason}`);

/** The key was used with another request (method, path or body) of the same scope (422). */
export const idempotencyKeyReused = () =>
  new DomainError(
    'IDEMPOTENCY_KEY_REUSED',
    'this Idempotency-Key was already used with a different request (method, path or body); ' +
      'use a new key for a new request',
  );

/** A request with this key is being carried out (or was, a moment ago, and is being answered) (409). */
export const idempotencyKeyInUse = () =>
  new DomainError(
    'IDEMPOTENCY_KEY_IN_USE',
    'a request with this Idempotency-Key is still in progress; retry after it has been answered',
  );

/**
 * The request with this key was carried out (its effect committed with the key) but its answer
 * was never stored: the process stopped between the two. It is not carried out again (409).
 */
export const idempotencyAnswerLost = () =>
  new DomainError(
    'IDEMPOTENCY_ANSWER_LOST',
    'the request with this Idempotency-Key was carried out, but its answer was lost; it will ' +
      'not be carried out again: look up what it created instead',
  );
