import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_KEYS, KeySpec } from './config-keys';

export class ConfigError extends Error {}

/** The validated configuration. Values are read by dotted path: `config.get<number>('server.port')`. */
export class NeracaConfig {
  constructor(private readonly values: Map<string, unknown>) {}

  get<T>(path: string): T {
    return this.values.get(path) as T;
  }

  /** Embedded mode: no PostgreSQL DSN configured, so Neraca runs PGlite in its data directory. */
  get embedded(): boolean {
    return !this.get<string>('data_source.dns');
  }

  /**
   * Where the API listens: `server.host` (NERACA_HOST, --host) when set; otherwise 127.0.0.1 in
   * embedded mode, which generates its own key and data and is meant for one machine, and every
   * address with PostgreSQL, the way a deployed service is reached.
   */
  get bindAddress(): string {
    return this.get<string>('server.host') || (this.embedded ? '127.0.0.1' : '0.0.0.0');
  }

  with(overrides: Record<string, unknown>): NeracaConfig {
    const next = new Map(this.values);
    for (const [k, v] of Object.entries(overrides)) next.set(k, v);
    return new NeracaConfig(next);
  }
}

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60000, h: 3600000 };

function convert(spec: KeySpec, raw: unknown, origin: string): unknown {
  const bad = (what: string) =>
    new ConfigError(`invalid configuration: ${origin} must be ${what}, got ${JSON.stringify(raw)}`);
  switch (spec.type) {
    case 'string':
      if (typeof raw === 'string') return raw;
      if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
      throw bad('a string');
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string' && /^(true|1|yes)$/i.test(raw.trim())) return true;
      if (typeof raw === 'string' && /^(false|0|no)$/i.test(raw.trim())) return false;
      throw bad('true or false');
    case 'int':
    case 'port': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^\d+$/.test(raw.trim())
            ? Number(raw)
            : NaN;
      if (!Number.isSafeInteger(n)) throw bad('an integer');
      if (spec.type === 'port' && (n < 0 || n > 65535)) throw bad('a port number (0-65535)');
      if (spec.min !== undefined && n < spec.min) throw bad(`an integer >= ${spec.min}`);
      return n;
    }
    case 'duration': {
      if (typeof raw === 'number' && raw >= 0) {
        const ms = Math.round(raw * 1000); // bare numbers are seconds
        if (spec.min !== undefined && ms < spec.min)
          throw bad(`a duration of at least ${spec.min} ms`);
        return ms;
      }
      const m = typeof raw === 'string' ? DURATION_RE.exec(raw.trim()) : null;
      if (!m) throw bad('a duration such as 500ms, 3s, 5m or 1h');
      const ms = Math.round(Number(m[1]) * UNIT_MS[m[2]]);
      if (spec.min !== undefined && ms < spec.min)
        throw bad(`a duration of at least ${spec.min} ms`);
      return ms;
    }
    case 'map': {
      if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) return raw;
      if (typeof raw === 'string') {
        const out: Record<string, string> = {};
        for (const pair of raw.split(',').filter((p) => p.trim())) {
          const i = pair.indexOf(':');
          if (i <= 0) throw bad('a map written as key:value,key2:value2');
          out[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
        }
        return out;
      }
      throw bad('a map');
    }
    case 'list': {
      // A JSON array (file, or env starting with '['), else comma-separated words (env).
      let list = raw;
      if (typeof raw === 'string') {
        const text = raw.trim();
        try {
          list = text.startsWith('[') ? JSON.parse(text) : text.split(',').map((p) => p.trim());
        } catch {
          throw bad('a JSON array of strings or a comma-separated list');
        }
      }
      if (!Array.isArray(list) || list.some((v) => typeof v !== 'string')) {
        throw bad('a list of strings');
      }
      return (list as string[]).filter((v) => v !== '');
    }
  }
}

function lookup(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export interface LoadOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: Record<string, unknown>;
}

/** Reads ./blnk.json (if present) and the environment, and validates every known key. */
export function loadConfig(opts: LoadOptions = {}): NeracaConfig {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const file = join(cwd, 'blnk.json');
  let json: unknown = {};
  if (existsSync(file)) {
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigError(
        `invalid configuration: ${file} is not valid JSON (${(e as Error).message})`,
      );
    }
  }
  const values = new Map<string, unknown>();
  for (const spec of CONFIG_KEYS) {
    const fromEnv = spec.env ? env[spec.env] : undefined;
    if (fromEnv !== undefined && fromEnv !== '') {
      values.set(spec.path, convert(spec, fromEnv, spec.env!));
      continue;
    }
    const fromFile = lookup(json, spec.path);
    if (fromFile !== undefined && fromFile !== null) {
      values.set(spec.path, convert(spec, fromFile, `blnk.json "${spec.path}"`));
      continue;
    }
    values.set(spec.path, spec.default);
  }
  for (const [k, v] of Object.entries(opts.overrides ?? {})) values.set(k, v);
  return new NeracaConfig(values);
}
