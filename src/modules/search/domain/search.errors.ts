import { DomainError } from '@libs/core/domain-error';

/** A search request the search language cannot run; the message names the parameter. */
export const queryInvalid = (parameter: string, why: string) =>
  new DomainError('SRCH_QUERY_INVALID', `${parameter}: ${why}`, { parameter });

export const reindexInProgress = (progress: unknown) =>
  new DomainError(
    'SRCH_REINDEX_IN_PROGRESS',
    'A reindex operation is already in progress',
    progress,
    'error',
    { progress },
  );

export const reindexNotStarted = () =>
  new DomainError('SRCH_REINDEX_NOT_STARTED', 'No reindex operation has been started');

/** The search backend failed (Typesense down or answering an error it should not). */
export const searchFailed = (why: string) =>
  new DomainError('SRCH_FAILED', `search failed: ${why}`);

/**
 * Typesense cannot be reached or is not ready (down, overloaded, a collection being rebuilt):
 * the request was fine and may be sent again, so 503 rather than a 500 (Neraca's code).
 */
export const searchUnavailable = (why: string) =>
  new DomainError('SRCH_UNAVAILABLE', `search is unavailable, retry later: ${why}`);
