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
 * The master API key: server.secret_key when configured; otherwise the one generated on the
 * first start and kept (mode 0600) in the data directory, so it survives restarts.
 */
export function resolveMasterKey(configured: string, dataDir: string): MasterKey {
  const noop = () => undefined;
  if (configured) return { key: configured, origin: 'config', persist: noop };
  const file = join(dataDir, 'secret_key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key) return { key, origin: 'file', file, persist: noop };
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
