import IORedis, { RedisOptions } from 'ioredis';

/** Options for a Redis DSN: `host:port`, `pass@host:port`, `redis://…` or `rediss://…` (reference §10.2). */
export function redisOptions(dsn: string): { url?: string; options: RedisOptions } {
  const options: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true };
  if (/^rediss?:\/\//.test(dsn)) return { url: dsn, options };
  const at = dsn.lastIndexOf('@');
  const password = at >= 0 ? dsn.slice(0, at) : undefined;
  const [host, port] = (at >= 0 ? dsn.slice(at + 1) : dsn).split(':');
  return { options: { ...options, host, port: Number(port || 6379), password } };
}

export function connectRedis(dsn: string, overrides: RedisOptions = {}): IORedis {
  const { url, options } = redisOptions(dsn);
  const merged = { ...options, ...overrides };
  return url ? new IORedis(url, merged) : new IORedis(merged);
}
