import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MasterKey {
  key: string;
  /** 'config' (server.secret_key), 'file' (kept from an earlier start) or 'generated' (new now). */
  origin: 'config' | 'file' | 'generated';
  file?: string;
  /** Writes a generated key to its file; called once the server is up, so a start that fails
   * before it could print the key does not leave behind a key nobody has seen. */
  persist(): void;
}

/**
 * The shortest master key accepted. It opens everything, and it also signs webhooks: 32
 * characters leave no room for guessing even at the rate the per-address throttle allows.
 */
export const MIN_MASTER_KEY_LENGTH = 32;

function checked(key: string, where: string): string {
  if (key.length < MIN_MASTER_KEY_LENGTH) {
    throw new Error(
      `${where} is ${key.length} characters: the master key must be at least ` +
        `${MIN_MASTER_KEY_LENGTH} (for example: openssl rand -base64 32), or leave it unset to ` +
        'have one generated',
    );
  }
  return key;
}

/**
 * The master API key: server.secret_key when configured; otherwise the one generated on the
 * first start and kept (mode 0600) in the data directory, so it survives restarts.
 * @throws Error when the configured or kept key is shorter than MIN_MASTER_KEY_LENGTH.
 */
export function resolveMasterKey(configured: string, dataDir: string): MasterKey {
  const noop = () => undefined;
  if (configured) {
    const key = checked(configured, 'server.secret_key (BLNK_SERVER_SECRET_KEY)');
    return { key, origin: 'config', persist: noop };
  }
  const file = join(dataDir, 'secret_key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key) return { key: checked(key, file), origin: 'file', file, persist: noop };
  }
  const key = `nrc_${randomBytes(32).toString('base64url')}`;
  return {
    key,
    origin: 'generated',
    file,
    persist() {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(file, key + '\n', { mode: 0o600 });
    },
  };
}

/**
 * The key `neraca workers` signs webhooks with, so they verify like the API processes' own: with
 * server.secure on, server.secret_key or the key `neraca start` generated and kept in the data
 * directory (a shared one); with it off, '' (unsigned, as Blnk). A worker never generates a key:
 * one the API processes do not know would sign every webhook wrongly. `missing` says that
 * secure mode found no key, so this worker's webhooks go out unsigned.
 * @throws Error when the configured or kept key is shorter than MIN_MASTER_KEY_LENGTH.
 */
export function workerSigningKey(
  secure: boolean,
  configured: string,
  dataDir: string,
): { key: string; missing: boolean } {
  if (!secure) return { key: '', missing: false };
  const master = resolveMasterKey(configured, dataDir);
  if (master.origin === 'generated') return { key: '', missing: true };
  return { key: master.key, missing: false };
}
