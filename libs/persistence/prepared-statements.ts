import { createHash } from 'node:crypto';
import { Client, type ClientConfig } from 'pg';

/** Sends of one text before it gets a name: one-off texts (an IN list of odd length) stay unnamed. */
export const REPEATS = 3;
/** Statements one connection keeps prepared at most; past it, new texts go unnamed there. */
export const PER_CONNECTION = 200;
/** Texts a pool counts or names at most, so generated SQL cannot grow the maps without bound. */
export const TRACKED = 10_000;
/**
 * How long one connection keeps a statement before it prepares it again under a new name. A
 * generic plan is made from the statistics of its day and PostgreSQL re-plans it only after
 * DDL, VACUUM or ANALYZE on what it reads; a queue table that was empty then and has grown
 * since (autovacuum off or behind) would be scanned whole by it for as long as it lives.
 */
export const PLAN_LIFETIME_MS = 10_000;

/** PostgreSQL's answer when a cached plan's result columns changed under it (a migration). */
const FEATURE_NOT_SUPPORTED = '0A000';
/** Where PostgreSQL raises that refusal (its other 0A000 errors are the statement's own). */
const REVALIDATE = 'RevalidateCachedQuery';
/**
 * PostgreSQL's answers when the session does not hold what this connection prepared on it
 * (`26000`: no such statement) or holds a name it did not (`42P05`): the connection does not
 * own its session, as behind a pooler in transaction mode (PgBouncer before 1.21) or after a
 * `DISCARD ALL`. The pool then stops naming statements altogether.
 */
const NOT_OUR_SESSION = new Set(['26000', '42P05']);

/**
 * Which statement texts a pool has sent how often, and the name each frequent one goes by.
 * Shared by the pool's clients; a name is a digest of the text, so two connections that
 * prepare one text use one name.
 */
export class StatementNames {
  /**
   * @param lifetimeMs how long a connection keeps one preparation of a statement: it is dropped
   * when the connection is next idle after that, or up to a quarter sooner with others due
   * @param now the clock lifetimes are measured on
   */
  constructor(
    readonly lifetimeMs: number = PLAN_LIFETIME_MS,
    readonly now: () => number = Date.now,
  ) {}

  private readonly seen = new Map<string, number>();
  private readonly names = new Map<string, string>();
  private readonly refused = new Set<string>();
  private off = false;

  /** The name `text` is sent under, or undefined to send it unnamed (parsed and planned anew). */
  nameFor(text: string): string | undefined {
    const name = this.names.get(text);
    if (name !== undefined) return name;
    if (this.off || this.refused.has(text) || !nameable(text)) return undefined;
    const sent = (this.seen.get(text) ?? 0) + 1;
    if (sent < REPEATS) {
      // Full of texts sent once or twice (generated SQL): start counting afresh, so a text
      // first seen now can still earn a name.
      if (!this.seen.has(text) && this.seen.size >= TRACKED) this.seen.clear();
      this.seen.set(text, sent);
      return undefined;
    }
    this.seen.delete(text);
    // Full of names: forget them all and let the frequent texts earn theirs again. A name is
    // the digest of its text, so a connection that prepared one keeps using it.
    if (this.names.size >= TRACKED) this.names.clear();
    const named = `neraca_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    this.names.set(text, named);
    return named;
  }

  /** `text` is never named again by this pool (its cached plan broke once). */
  refuse(text: string): void {
    this.names.delete(text);
    if (this.refused.size >= TRACKED) this.refused.clear();
    this.refused.add(text);
  }

  /** No text is named again by this pool: its connections do not own their sessions. */
  stop(): void {
    this.off = true;
    this.names.clear();
    this.seen.clear();
  }

  /** Whether naming was stopped (for tests and diagnostics). */
  get stopped(): boolean {
    return this.off;
  }

  /** How many texts are being counted towards a name (for tests and diagnostics). */
  get counting(): number {
    return this.seen.size;
  }

  /** How many texts carry a name (for tests and diagnostics). */
  get size(): number {
    return this.names.size;
  }
}

/**
 * Whether a text may be prepared. A statement whose result columns come from `*` changes its
 * row type when a migration adds a column, and PostgreSQL refuses to run its cached plan
 * (0A000) until it is prepared again: such texts stay unnamed. `count(*)` is fine, and so is any
 * `*` in a write that returns no rows (`INSERT INTO t (a, b) SELECT * FROM unnest($1, $2)`): it
 * has no result columns to change, and PostgreSQL re-plans it after a migration by itself.
 */
export function nameable(text: string): boolean {
  if (!/(^|[^(])\*|\*(?!\))/.test(text)) return true;
  return /^\s*(INSERT|UPDATE|DELETE)\s/i.test(text) && !/\bRETURNING\b/i.test(text);
}

const refusals = new WeakSet<object>();

/**
 * Whether `err` (or the driver error inside TypeORM's) is a named statement refused: a cached
 * plan under a migration (its text is unnamed from then on) or a session that does not hold the
 * connection's statements (nothing is named from then on). Either way the transaction that
 * failed may run again.
 */
export function isRefusedPlan(err: unknown): boolean {
  const e = err as { driverError?: unknown } | null;
  if (typeof e !== 'object' || e === null) return false;
  return refusals.has(e) || (typeof e.driverError === 'object' && refusals.has(e.driverError!));
}

interface WireConnection {
  parsedStatements: Record<string, string>;
}

/** What of pg's Client the lifetime reads to know that nothing is sent or waiting. */
interface ClientQueue {
  _queryQueue?: unknown[];
  _getActiveQuery?: () => unknown;
}

/** One connection's current preparation of a statement. */
interface Preparation {
  /** 0 for the statement's first preparation on this connection, then 1, 2, ... */
  generation: number;
  /** When this generation was first sent (prepared) on this connection. */
  at: number;
}

function generationName(base: string, generation: number): string {
  return generation === 0 ? base : `${base}_${generation}`;
}

type Callback = (err: Error | null, result?: unknown) => void;

/**
 * A pg Client that sends a frequent parameterised statement as a named prepared statement, so
 * PostgreSQL parses it once per connection and can reuse its plan, instead of parsing and
 * planning it on every send. Only texts sent with parameters are named (DDL and transaction
 * control never carry any). PostgreSQL re-plans a named statement itself after DDL on what it
 * reads; only a change of its result columns' types makes it refuse the cached plan (0A000).
 * Such a text is never named again, and is sent again unnamed when no transaction was open.
 * A session that lost the connection's statements or holds others (a pooler in transaction
 * mode) stops the pool's naming for good, the same way. Every statement is prepared again
 * after its lifetime (`StatementNames.lifetimeMs`), since nothing else re-plans it when the
 * tables it reads grow without VACUUM or ANALYZE.
 */
export function preparingClient(names: StatementNames): typeof Client {
  const query = Client.prototype.query as (...a: unknown[]) => never;
  return class PreparingClient extends Client {
    /** This connection's preparations, by the statement's pool-wide name. */
    private readonly preparations = new Map<string, Preparation>();
    /** When the first of this connection's statements is due to be dropped. */
    private nextSweep = Infinity;

    constructor(config?: string | ClientConfig) {
      super(config);
    }

    override query(...args: unknown[]): never {
      const [text, values, callback] = args;
      // Nothing in flight or queued, and no transaction open: this statement runs on its own.
      const alone = this.idle();
      this.sweep();
      const base =
        typeof text === 'string' && Array.isArray(values) && values.length > 0
          ? names.nameFor(text)
          : undefined;
      if (base === undefined) return query.apply(this, args);
      const name = generationName(base, this.preparations.get(base)?.generation ?? 0);
      if (!this.mayPrepare(name)) return query.apply(this, args);
      this.sent(base, name);
      const named = { name, text };
      const refused = (err: unknown): boolean => {
        const { code, routine } = (err ?? {}) as { code?: unknown; routine?: unknown };
        if (typeof code !== 'string') {
          // A failure on this side: a value pg could not serialise (pg closed the statement on
          // the server but still counts it as prepared), or a client-side timeout (the server
          // still holds it). Either way forget the name and move to the next generation, so
          // the next send neither binds to nothing (26000) nor parses a name taken (42P05).
          delete this.statements()[name];
          const held = this.preparations.get(base);
          if (held !== undefined && generationName(base, held.generation) === name) {
            held.generation++;
          }
          return false;
        }
        if (code === FEATURE_NOT_SUPPORTED && routine === REVALIDATE) names.refuse(text as string);
        else if (NOT_OUR_SESSION.has(code)) names.stop();
        else return false;
        refusals.add(err as object);
        return true;
      };
      // Sent alone outside a transaction, a refused statement changed nothing: send it again,
      // unnamed, if nothing was queued behind it meanwhile (or the retry would run after a
      // later statement). pg calls back at the error itself, before the next statement is
      // taken from its queue, so the queue can be read then. Inside a transaction the
      // transaction is aborted, and the error goes to its owner.
      const again = (err: unknown): boolean => refused(err) && alone && this.queueEmpty();
      if (typeof callback === 'function') {
        return query.call(this, named, values, (err: Error | null, result?: unknown) => {
          if (err && again(err)) query.call(this, text, values, callback);
          else (callback as Callback)(err, result);
        });
      }
      return new Promise((resolve, reject) => {
        query.call(this, named, values, (err: Error | null, result?: unknown) => {
          if (!err) resolve(result);
          else if (again(err)) resolve(query.call(this, text, values));
          else reject(err);
        });
      }) as never;
    }

    /** Whether this connection has `name` prepared already or room for one more. */
    private mayPrepare(name: string): boolean {
      const statements = this.statements();
      return name in statements || Object.keys(statements).length < PER_CONNECTION;
    }

    private statements(): Record<string, string> {
      return (this as unknown as { connection: WireConnection }).connection.parsedStatements;
    }

    /** `name`, `base`'s current generation, is being sent: a first send starts its lifetime. */
    private sent(base: string, name: string): void {
      if (name in this.statements()) return;
      const at = names.now();
      const held = this.preparations.get(base);
      if (held === undefined) this.preparations.set(base, { generation: 0, at });
      else held.at = at;
      this.nextSweep = Math.min(this.nextSweep, at + names.lifetimeMs);
    }

    /**
     * Past their lifetime, statements are dropped (`DEALLOCATE`) and the next send of each
     * prepares it again under its next generation's name, so its plan is made anew. Those due
     * within a quarter of the lifetime go with them, so one connection's statements expire
     * together, in one sweep. Done only when nothing is in flight on the connection and
     * no transaction is open: then every statement pg counts as prepared is on the server, no
     * queued send still needs an old name, and a failed `DEALLOCATE` cannot abort anyone's
     * transaction. A connection that is never idle keeps its statements until it is.
     */
    private sweep(): void {
      const now = names.now();
      if (now < this.nextSweep || !this.idle()) return;
      const statements = this.statements();
      const dropped: string[] = [];
      let next = Infinity;
      for (const [base, held] of this.preparations) {
        const name = generationName(base, held.generation);
        if (!(name in statements)) continue;
        const expires = held.at + names.lifetimeMs;
        if (expires > now + names.lifetimeMs / 4) {
          next = Math.min(next, expires);
          continue;
        }
        delete statements[name];
        dropped.push(name);
        held.generation++;
      }
      this.nextSweep = next;
      // One statement each, so one that fails does not keep the others on the server. Names
      // are `neraca_` and hex digits: nothing to quote. A statement we prepared that the
      // session does not hold means the session is not ours: stop naming.
      for (const name of dropped) {
        (query.call(this, `DEALLOCATE ${name}`) as Promise<unknown>).catch((err: unknown) => {
          if ((err as { code?: unknown } | null)?.code === '26000') names.stop();
        });
      }
    }

    private idle(): boolean {
      const me = this as unknown as ClientQueue;
      return (
        this.getTransactionStatus() === 'I' &&
        this.queueEmpty() &&
        typeof me._getActiveQuery === 'function' &&
        me._getActiveQuery.call(this) == null
      );
    }

    /** Whether no query waits to be sent on this connection. */
    private queueEmpty(): boolean {
      const me = this as unknown as ClientQueue;
      return Array.isArray(me._queryQueue) && me._queryQueue.length === 0;
    }
  };
}
