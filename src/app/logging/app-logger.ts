import { AsyncLocalStorage } from 'node:async_hooks';
import type { LoggerService } from '@nestjs/common';
import pino from 'pino';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import type { NeracaConfig } from '../config/neraca-config';
import { logSettingsFrom, LogSettings } from './log-settings';
import { redactSecrets } from './redact';

/** The field that says which part of Neraca wrote a line (Nest's logger context). */
export const COMPONENT = 'component';

/** The logger of one request while it is being answered (request-logging.ts binds it). */
export interface RequestLogScope {
  logger: pino.Logger;
  /** False once the answer is sent: work the request started and outlives it logs without it. */
  open: boolean;
}
export const requestLogScope = new AsyncLocalStorage<RequestLogScope>();

/** One process's logging: pino for everything, and Nest's LoggerService over the same pino. */
export interface AppLogger {
  /** Access lines and anything that does not go through Nest's `Logger`. */
  root: pino.Logger;
  /**
   * Nest's own messages and every `new Logger(context)` of the modules (the context becomes
   * `component`); within a request, lines carry its `request_id` and `key_id`.
   */
  nest: LoggerService;
}

/**
 * Nest's start-up chatter (a line per module and per route, over a hundred) is debug, not info:
 * at the default level a start writes what an operator needs, not the route table.
 */
const FRAMEWORK_CHATTER = new Set([
  'NestFactory',
  'NestApplication',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
]);

class NestLogger extends NestPinoLogger {
  override log(message: unknown, ...params: unknown[]): void {
    const context = params[params.length - 1];
    if (typeof context === 'string' && FRAMEWORK_CHATTER.has(context)) {
      super.debug(message, ...params);
      return;
    }
    super.log(message, ...params);
  }
}

/**
 * nestjs-pino's PinoLogger keeps one root per process (the first one made) and its own request
 * store, filled by its Express-style middleware; here the root is this logger's and the request's
 * logger is the one request-logging.ts bound in Fastify's hooks, including for requests that are
 * refused before any middleware would run (401, 429).
 */
class ScopedPinoLogger extends PinoLogger {
  constructor(private readonly root: pino.Logger) {
    super({ pinoHttp: { logger: root }, renameContext: COMPONENT });
  }

  override get logger(): pino.Logger {
    const scope = requestLogScope.getStore();
    return scope?.open ? scope.logger : this.root;
  }
}

/**
 * What an error contributes to a line, by allow-list: its type, message, code and stack. Not its
 * other fields: a TypeORM QueryFailedError carries the query's parameters (names, emails, token
 * values), a pg error the offending row in `detail`.
 */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: redactSecrets(String(err)) };
  const code = (err as { code?: unknown }).code;
  return {
    type: err.name,
    message: redactSecrets(err.message),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(err.stack ? { stack: redactSecrets(err.stack) } : {}),
  };
}

function errorIn(arg: unknown): Error | undefined {
  if (arg instanceof Error) return arg;
  const err = (arg as { err?: unknown } | null)?.err;
  return err instanceof Error ? err : undefined;
}

function baseOptions(level: string): pino.LoggerOptions {
  return {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: serializeError },
    hooks: {
      // Free text (messages) is the one place a configured URL or DSN could slip into a line.
      logMethod(args, method) {
        const redacted = (args as unknown[]).map((a) =>
          typeof a === 'string' ? redactSecrets(a) : a,
        );
        // An error alone: pino would take its message, unredacted, as the line's message.
        const err = errorIn(redacted[0]);
        if (redacted.length === 1 && err) redacted.push(redactSecrets(err.message));
        method.apply(this, redacted as Parameters<pino.LogFn>);
      },
    },
  };
}

/** Level names instead of numbers in JSON: what collectors and people grep for. */
const LABELLED: pino.LoggerOptions['formatters'] = { level: (label) => ({ level: label }) };

/**
 * The process's logger: JSON lines on stdout, or pino-pretty in pino's worker thread (it never
 * loads in this thread, so nothing here needs its ESM dependencies). `destination` replaces
 * stdout with a stream of JSON lines (tests).
 */
export function createAppLogger(
  settings: LogSettings,
  destination?: pino.DestinationStream,
): AppLogger {
  const options = baseOptions(settings.level);
  let root: pino.Logger;
  if (destination) {
    root = pino({ ...options, formatters: LABELLED }, destination);
  } else if (settings.format === 'pretty') {
    root = pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  } else {
    root = pino({ ...options, formatters: LABELLED }, pino.destination({ dest: 1, sync: true }));
  }
  return {
    root,
    nest: new NestLogger(new ScopedPinoLogger(root), { renameContext: COMPONENT }),
  };
}

/** The logger `log.level` and `log.format` describe (docs/operations.md, "Logs"). */
export function appLoggerFrom(config: NeracaConfig): AppLogger {
  return createAppLogger(logSettingsFrom(config));
}

/** Nothing is written: servers in tests, and `neraca openapi`. */
export const SILENT_LOGGER: pino.Logger = pino({ level: 'silent' }, { write: () => undefined });
