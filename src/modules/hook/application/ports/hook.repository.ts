import type { Tx } from '@libs/core/unit-of-work';
import type { Hook, HookType } from '../../domain/hook';

/**
 * Where hooks are kept. Each method is one statement: nothing here needs a transaction of its
 * own. A client's write joins the unit of work it is given (`tx`), so a request's
 * Idempotency-Key is recorded in the same database transaction (docs/architecture.md).
 */
export abstract class HookRepository {
  /** @throws DomainError GEN_CONFLICT when the id is taken. */
  abstract insert(hook: Hook, tx?: Tx): Promise<void>;
  abstract findById(id: string): Promise<Hook | null>;
  /** Hooks of one type, or of both; oldest first. */
  abstract list(type?: HookType): Promise<Hook[]>;
  /** Active hooks of both types, oldest first (what the caller's cache holds). */
  abstract listActive(): Promise<Hook[]>;
  /**
   * Replaces what a client sets, in one statement: two updates at once leave one of them whole,
   * never a mix. Keeps id, created_at, last_run, last_success. Null when the hook does not exist.
   */
  abstract replace(
    id: string,
    hook: Omit<Hook, 'id' | 'createdAt' | 'lastRun' | 'lastSuccess'>,
    tx?: Tx,
  ): Promise<Hook | null>;
  /** False when the hook did not exist. */
  abstract delete(id: string): Promise<boolean>;
  /**
   * Records a call's outcome. Touches only last_run and last_success (a concurrent PUT is kept; a
   * deleted hook stays deleted) and never moves last_run backwards (an older call finishing late
   * does not overwrite a newer one's result).
   */
  abstract recordRun(id: string, at: Date, success: boolean): Promise<void>;
}
