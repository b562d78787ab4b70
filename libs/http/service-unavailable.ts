/**
 * Whether an error means "the database (or Redis) cannot be reached right now", which a client
 * should retry, as opposed to a fault of the request or of Neraca. Read from the error's shape
 * alone (SQLSTATE, Node's system error codes, the messages pg, pg-pool, TypeORM and ioredis
 * raise), so this layer depends on none of those libraries.
 */

// SQLSTATEs of an unavailable server (PostgreSQL's errcodes): class 08 connection exception;
// 57P01 admin_shutdown (a fast or smart shutdown terminated the session), 57P02 crash_shutdown,
// 57P03 cannot_connect_now (the server is starting or shutting down), 57P05
// idle_session_timeout; 53300 too_many_connections; 25006 read_only_sql_transaction (a primary
// that failed over and is now a standby).
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1235]|53300|25006)$/;

// Node's system errors of a socket that could not open or broke.
const UNAVAILABLE_SYSCALL = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// Errors without a code: pg ("Connection terminated unexpectedly", "... due to connection
// timeout", "Client has encountered a connection error and is not queryable", "Client was closed
// and is not queryable"), pg-pool ("timeout exceeded when trying to connect", "Cannot use a pool
// after calling end on the pool"), TypeORM (ConnectionIsNotSetError: "Connection with postgres
// database is not established"), ioredis ("Connection is closed.", "Reached the max retries per
// request limit").
const UNAVAILABLE_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end|Connection with \w+ database is not established|Connection is closed\.|Reached the max retries per request limit|Stream isn't writeable)/;

// TypeORM releases a query runner whose connection broke (its 'error' event): the next query of
// the unit of work on it raises QueryRunnerProviderAlreadyReleasedError (its COMMIT
// QueryRunnerAlreadyReleasedError), the transaction having died with the connection. Seen under a PostgreSQL restart; the code never uses a runner after
// its unit of work ends, so here it means the connection was lost.
const UNAVAILABLE_NAME = new Set([
  'ConnectionIsNotSetError',
  'QueryRunnerProviderAlreadyReleasedError',
  'QueryRunnerAlreadyReleasedError',
  'MaxRetriesPerRequestError',
]);

interface ErrorShape {
  code?: unknown;
  message?: unknown;
  name?: unknown;
  severity?: unknown;
  driverError?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function unavailableItself(e: ErrorShape): boolean {
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && UNAVAILABLE_SYSCALL.has(code)) return true;
  // A SQLSTATE counts only on a server's error (pg sets `severity`), not on any `code`.
  if (code && typeof e.severity === 'string' && UNAVAILABLE_SQLSTATE.test(code)) return true;
  if (typeof e.name === 'string' && UNAVAILABLE_NAME.has(e.name)) return true;
  return typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message);
}

/**
 * True when `err`, or an error it wraps (TypeORM's `driverError`, `cause`, an AggregateError's
 * `errors`, a few levels deep), says the database or Redis is unreachable, shutting down,
 * starting, or has no connection free in time.
 */
export function isServiceUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as ErrorShape;
  if (unavailableItself(e)) return true;
  if (isServiceUnavailable(e.driverError, depth + 1)) return true;
  if (isServiceUnavailable(e.cause, depth + 1)) return true;
  return Array.isArray(e.errors) && e.errors.some((x) => isServiceUnavailable(x, depth + 1));
}
