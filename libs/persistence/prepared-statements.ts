import { createHash } from 'node:crypto';
import { Client, type ClientConfig } from 'pg';

/** Sends of one text before it gets a name: one-off texts (an IN list of odd length) stay unnamed. */
export const REPEATS = 3;
/** Statements one connection keeps prepared at most; past it, new texts go unnamed there. */
export const PER_CONNECTION = 200;
/** Texts a pool counts or names at most, so generated SQL cannot grow the maps without bound. */
export const TRACKED = 10_000;

/** PostgreSQL's answer when a cached plan's result columns changed under it (a migration). */
const FEATURE_NOT_SUPPORTED = '0A000';

/**
 * Which statement texts a pool has sent how often, and the name each frequent one goes by.
 * Shared by the pool's clients; a name is a digest of the text, so two connections that
 * prepare one text use one name.
 */
export class StatementNames {
  private readonly seen = new Map<string, number>();
  private readonly names = new Map<string, string>();
  private readonly refused = new Set<string>();

  /** The name `text` is sent under, or undefined to send it unnamed (parsed and planned anew). */
  nameFor(text: string): string | undefined {
    const name = this.names.get(text);
    if (name !== undefined) return name;
    if (this.refused.has(text) || !nameable(text)) return undefined;
    const sent = (this.seen.get(text) ?? 0) + 1;
    if (sent < REPEATS) {
      if (this.seen.has(text) || this.seen.size < TRACKED) this.seen.set(text, sent);
      return undefined;
    }
    this.seen.delete(text);
    if (this.names.size >= TRACKED) return undefined;
    const named = `neraca_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    this.names.set(text, named);
    return named;
  }

  /** `text` is never named again by this pool (its cached plan broke once). */
  refuse(text: string): void {
    this.names.delete(text);
    this.refused.add(text);
  }

  /** How many texts carry a name (for tests and diagnostics). */
  get size(): number {
    return this.names.size;
  }
}

/**
 * Whether a text may be prepared. A statement whose result columns come from `*` changes its
 * row type when a migration adds a column, and PostgreSQL refuses to run its cached plan
 * (0A000) until it is prepared again: such texts stay unnamed. `count(*)` is fine.
 */
export function nameable(text: string): boolean {
  return !/(^|[^(])\*|\*(?!\))/.test(text);
}

const refusals = new WeakSet<object>();

/**
 * Whether `err` (or the driver error inside TypeORM's) is a cached plan refused under a
 * migration. Its text is unnamed from then on, so the transaction that failed may run again.
 */
export function isRefusedPlan(err: unknown): boolean {
  const e = err as { driverError?: unknown } | null;
  if (typeof e !== 'object' || e === null) return false;
  return refusals.has(e) || (typeof e.driverError === 'object' && refusals.has(e.driverError!));
}

interface WireConnection {
  parsedStatements: Record<string, string>;
}

type Callback = (err: Error | null, result?: unknown) => void;

/**
 * A pg Client that sends a frequent parameterised statement as a named prepared statement, so
 * PostgreSQL parses it once per connection and can reuse its plan, instead of parsing and
 * planning it on every send. Only texts sent with parameters are named (DDL and transaction
 * control never carry any). PostgreSQL re-plans a named statement itself after DDL on what it
 * reads; only a change of its result columns' types makes it refuse the cached plan (0A000).
 * Such a text is never named again, and is sent again unnamed when no transaction was open.
 */
export function preparingClient(names: StatementNames): typeof Client {
  return class PreparingClient extends Client {
    constructor(config?: string | ClientConfig) {
      super(config);
    }

    override query(...args: unknown[]): never {
      const [text, values, callback] = args;
      const name =
        typeof text === 'string' && Array.isArray(values) && values.length > 0
          ? names.nameFor(text)
          : undefined;
      const query = Client.prototype.query as (...a: unknown[]) => never;
      if (name === undefined || !this.mayPrepare(name)) return query.apply(this, args);
      const named = { name, text };
      const refused = (err: unknown): boolean => {
        if ((err as { code?: unknown } | null)?.code !== FEATURE_NOT_SUPPORTED) return false;
        names.refuse(text as string);
        refusals.add(err as object);
        return true;
      };
      if (typeof callback === 'function') {
        return query.call(this, named, values, (err: Error | null, result?: unknown) => {
          if (err) refused(err);
          (callback as Callback)(err, result);
        });
      }
      // Outside a transaction nothing was changed by the refused statement: send it again,
      // unnamed. Inside one the transaction is aborted, and the error goes to its owner.
      const idle = this.getTransactionStatus() === 'I';
      return (query.call(this, named, values) as Promise<unknown>).catch((err: unknown) => {
        if (refused(err) && idle && this.getTransactionStatus() === 'I') {
          return query.call(this, text, values);
        }
        throw err;
      }) as never;
    }

    /** Whether this connection has `name` prepared already or room for one more. */
    private mayPrepare(name: string): boolean {
      const statements = (this as unknown as { connection: WireConnection }).connection
        .parsedStatements;
      return name in statements || Object.keys(statements).length < PER_CONNECTION;
    }
  };
}
