import type { Tx } from '@libs/core/unit-of-work';
import type { StoredAnswer, StoredKey } from '../../domain/idempotency-key';

/** Where keys are kept (PostgreSQL: every API process sees the same keys). */
export abstract class IdempotencyStore {
  /** The record of a key younger than `retentionMs`, if any; in `tx` when given. */
  abstract find(
    scope: string,
    key: string,
    retentionMs: number,
    tx?: Tx,
  ): Promise<StoredKey | undefined>;

  /**
   * Takes the key's lock until `tx` ends: waits while another transaction holds it, so two
   * requests with one key never both decide the key is free.
   */
  abstract lock(tx: Tx, scope: string, key: string): Promise<void>;

  /**
   * Records the key with the effect of `tx`, if `tx` wrote anything (a read-only transaction is
   * not the request's effect); an expired record of the key is replaced. Needs `lock` first.
   * @returns whether it was recorded; throws if a live record is in the way (none can be under
   *   the lock, after `find` found none).
   */
  abstract recordEffect(
    tx: Tx,
    scope: string,
    key: string,
    requestHash: string,
    retentionMs: number,
  ): Promise<boolean>;

  /** Adds the answer to a key recorded with its effect (once). */
  abstract answer(scope: string, key: string, answer: StoredAnswer): Promise<void>;

  /**
   * Records a key with an answer that changed nothing (a refusal, a dry run), under the key's
   * lock in a transaction of its own, unless a live record is there already.
   */
  abstract recordAnswer(
    scope: string,
    key: string,
    requestHash: string,
    answer: StoredAnswer,
    retentionMs: number,
  ): Promise<void>;

  /**
   * Deletes up to `limit` records older than `retentionMs`, skipping rows another process is
   * deleting. @returns how many it deleted.
   */
  abstract prune(retentionMs: number, limit: number): Promise<number>;
}
