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
