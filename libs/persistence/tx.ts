import type { EntityManager } from 'typeorm';
import type { Tx } from '@libs/core/unit-of-work';

/** Adapters unwrap the opaque Tx into the TypeORM manager bound to the open transaction. */
export function sql(tx: Tx): EntityManager {
  return tx as unknown as EntityManager;
}

export function asTx(manager: EntityManager): Tx {
  return manager as unknown as Tx;
}

/** PostgreSQL SQLSTATE of a driver error, if any. */
export function sqlState(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

export function constraintOf(err: unknown): string | undefined {
  const e = err as { constraint?: unknown; driverError?: { constraint?: unknown } };
  const c = e?.driverError?.constraint ?? e?.constraint;
  return typeof c === 'string' ? c : undefined;
}

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  return sqlState(err) === '23505' && (!constraint || constraintOf(err) === constraint);
}

export function isForeignKeyViolation(err: unknown, constraint?: string): boolean {
  return sqlState(err) === '23503' && (!constraint || constraintOf(err) === constraint);
}
