/**
 * An open database transaction, opaque to the core. Adapters know what is inside; use cases only
 * pass it from one port call to the next so that every call joins the same transaction.
 */
export interface Tx {
  readonly __brand: 'Tx';
}

/**
 * Port: one use-case call = one database transaction. `run` commits when `work` resolves and
 * rolls back when it throws. Adapters may re-run `work` after a transient conflict (deadlock,
 * serialization failure), so `work` must not have effects outside the transaction.
 */
export abstract class UnitOfWork {
  abstract run<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

class Rollback<T> {
  constructor(readonly value: T) {}
}

/**
 * Runs `work` in a database transaction that is always rolled back: a dry run sees exactly what
 * a real run would (same locks, same checks) and leaves nothing behind.
 */
export async function rolledBack<T>(uow: UnitOfWork, work: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    await uow.run(async (tx) => {
      throw new Rollback(await work(tx));
    });
  } catch (e) {
    if (e instanceof Rollback) return e.value as T;
    throw e;
  }
  throw new Error('unreachable: the dry-run transaction committed');
}
