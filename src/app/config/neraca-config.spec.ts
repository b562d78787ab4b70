import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './neraca-config';

function dirWith(json?: unknown): string {
  const d = mkdtempSync(join(tmpdir(), 'neraca-cfg-'));
  if (json !== undefined)
    writeFileSync(join(d, 'blnk.json'), typeof json === 'string' ? json : JSON.stringify(json));
  return d;
}

describe('loadConfig', () => {
  it('has defaults: embedded, port 5001, auth on', () => {
    const c = loadConfig({ cwd: dirWith(), env: {} });
    expect(c.embedded).toBe(true);
    expect(c.get('server.port')).toBe(5001);
    expect(c.get('server.secure')).toBe(true);
  });

  it('binds 127.0.0.1 in embedded mode unless a host is set; every address with PostgreSQL', () => {
    expect(loadConfig({ cwd: dirWith(), env: {} }).bindAddress).toBe('127.0.0.1');
    const open = loadConfig({ cwd: dirWith({ server: { host: '0.0.0.0' } }), env: {} });
    expect(open.bindAddress).toBe('0.0.0.0');
    expect(loadConfig({ cwd: dirWith(), env: { NERACA_HOST: '::' } }).bindAddress).toBe('::');
    const flag = loadConfig({ cwd: dirWith(), env: {}, overrides: { 'server.host': '10.0.0.5' } });
    expect(flag.bindAddress).toBe('10.0.0.5');
    const pg = loadConfig({ cwd: dirWith(), env: { BLNK_DATA_SOURCE_DNS: 'postgres://x/y' } });
    expect(pg.bindAddress).toBe('0.0.0.0');
  });

  it('reads idempotency.retention as a duration, 24 h by default', () => {
    expect(loadConfig({ cwd: dirWith(), env: {} }).get('idempotency.retention')).toBe(86_400_000);
    const env = { NERACA_IDEMPOTENCY_RETENTION: '48h' };
    expect(loadConfig({ cwd: dirWith(), env }).get('idempotency.retention')).toBe(172_800_000);
    const file = dirWith({ idempotency: { retention: '90m' } });
    expect(loadConfig({ cwd: file, env: {} }).get('idempotency.retention')).toBe(5_400_000);
  });

  it('refuses an idempotency.retention under an hour (0 would silently turn the protection off)', () => {
    for (const v of ['0s', '2m', '59m']) {
      expect(() =>
        loadConfig({ cwd: dirWith(), env: { NERACA_IDEMPOTENCY_RETENTION: v } }).get(
          'idempotency.retention',
        ),
      ).toThrow(/idempotency\.retention|NERACA_IDEMPOTENCY_RETENTION/);
    }
    expect(() => loadConfig({ cwd: dirWith({ idempotency: { retention: 0 } }), env: {} })).toThrow(
      /at least 3600000 ms/,
    );
    const hour = { NERACA_IDEMPOTENCY_RETENTION: '1h' };
    expect(loadConfig({ cwd: dirWith(), env: hour }).get('idempotency.retention')).toBe(3_600_000);
  });

  it('reads server.allowed_origins as a list', () => {
    const env = { NERACA_ALLOWED_ORIGINS: 'https://a.example, https://b.example' };
    expect(loadConfig({ cwd: dirWith(), env }).get('server.allowed_origins')).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(loadConfig({ cwd: dirWith(), env: {} }).get('server.allowed_origins')).toEqual([]);
  });

  it('reads blnk.json and lets the environment win', () => {
    const cwd = dirWith({
      server: { port: '6000', secure: false },
      data_source: { dns: 'postgres://x/y' },
    });
    const fromFile = loadConfig({ cwd, env: {} });
    expect(fromFile.get('server.port')).toBe(6000);
    expect(fromFile.get('server.secure')).toBe(false);
    expect(fromFile.embedded).toBe(false);
    const fromEnv = loadConfig({
      cwd,
      env: { BLNK_SERVER_PORT: '7000', BLNK_SERVER_SECURE: 'true' },
    });
    expect(fromEnv.get('server.port')).toBe(7000);
    expect(fromEnv.get('server.secure')).toBe(true);
  });

  it('parses durations and maps', () => {
    const c = loadConfig({
      cwd: dirWith(),
      env: { BLNK_TRANSACTION_LOCK_WAIT_TIMEOUT: '500ms', BLNK_WEBHOOK_HEADERS: 'a:1,b:two' },
    });
    expect(c.get('transaction.lock_wait_timeout')).toBe(500);
    expect(c.get('notification.webhook.headers')).toEqual({ a: '1', b: 'two' });
  });

  it.each([
    [{ BLNK_SERVER_PORT: 'abc' }, 'BLNK_SERVER_PORT'],
    [{ BLNK_SERVER_PORT: '70000' }, 'BLNK_SERVER_PORT'],
    [{ BLNK_SERVER_SECURE: 'maybe' }, 'BLNK_SERVER_SECURE'],
    [{ BLNK_TRANSACTION_LOCK_DURATION: 'soon' }, 'BLNK_TRANSACTION_LOCK_DURATION'],
    [{ BLNK_QUEUE_NUMBER_OF_QUEUES: '0' }, 'BLNK_QUEUE_NUMBER_OF_QUEUES'],
  ])('names the bad key: %p', (env, key) => {
    expect(() => loadConfig({ cwd: dirWith(), env })).toThrow(ConfigError);
    expect(() => loadConfig({ cwd: dirWith(), env })).toThrow(key);
  });

  it('names the bad key of blnk.json, and a broken file', () => {
    expect(() => loadConfig({ cwd: dirWith({ server: { port: 'x' } }), env: {} })).toThrow(
      '"server.port"',
    );
    expect(() => loadConfig({ cwd: dirWith('{nope'), env: {} })).toThrow(
      'blnk.json is not valid JSON',
    );
  });
});
