import { ConfigError, NeracaConfig } from '../config/neraca-config';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogSettings {
  level: LogLevelName;
  /** `json` or `pretty`: `auto` is resolved against the terminal when the settings are read. */
  format: 'json' | 'pretty';
}

/**
 * `auto`: pretty when stdout is a terminal (a person reads it), JSON lines otherwise (a pipe, a
 * file, a container's log driver: a program reads it).
 */
export function resolveFormat(format: LogFormat, stdoutIsTty: boolean): 'json' | 'pretty' {
  if (format === 'auto') return stdoutIsTty ? 'pretty' : 'json';
  return format;
}

/** `log.level` and `log.format` (docs/operations.md, "Logs"); a bad value stops the start. */
export function logSettingsFrom(
  config: NeracaConfig,
  stdoutIsTty = process.stdout.isTTY === true,
): LogSettings {
  const level = oneOf(config.get<string>('log.level'), LOG_LEVELS, 'log.level (NERACA_LOG_LEVEL)');
  const format = oneOf(
    config.get<string>('log.format'),
    LOG_FORMATS,
    'log.format (NERACA_LOG_FORMAT)',
  );
  return { level, format: resolveFormat(format, stdoutIsTty) };
}

function oneOf<T extends string>(raw: string, allowed: readonly T[], key: string): T {
  const value = raw.trim().toLowerCase();
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(
    `invalid configuration: ${key} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`,
  );
}
