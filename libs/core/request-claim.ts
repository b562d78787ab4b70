import { AsyncLocalStorage } from 'node:async_hooks';
import type { Tx } from './unit-of-work';

/**
 * Something a request must record in the same database transaction as its effect, and only
 * there: the Idempotency-Key of the request (src/modules/idempotency). The HTTP edge binds it to
 * the request's async context; the unit of work that commits the request's first write takes it
 * in that write's transaction, so a crash leaves either both or neither.
 *
 * The unit of work calls `open` first in every database transaction the request runs while the
 * claim is `pending`, and `close` last before the commit; `committed` once a transaction in which
 * `close` recorded the claim has committed.
 */
export interface RequestClaim {
  /** Until the claim committed with an effect, and while the request is not answered yet. */
  readonly pending: boolean;
  /** First statement of the transaction. @throws when the claim is already taken (no effect). */
  open(tx: Tx): Promise<void>;
  /** Last statement before commit: records the claim if the transaction wrote; true if it did. */
  close(tx: Tx): Promise<boolean>;
  /** The transaction in which `close` returned true committed. */
  committed(): void;
}

const CONTEXT = new AsyncLocalStorage<RequestClaim | undefined>();

export const RequestClaims = {
  /** The claim of the request this code runs for, while it still waits for its effect. */
  pending(): RequestClaim | undefined {
    const claim = CONTEXT.getStore();
    return claim?.pending ? claim : undefined;
  },

  /**
   * Runs `fn` for the request that holds `claim`, or for no request at all (`undefined`): work
   * shared by several requests (a group-commit batch) must not take one request's claim.
   */
  run<T>(claim: RequestClaim | undefined, fn: () => T): T {
    return CONTEXT.run(claim, fn);
  },
};
