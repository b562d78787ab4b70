import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MasterKey {
  key: string;
  /** 'config' (server.secret_key), 'file' (kept from an earlier start) or 'generated' (new now). */
  origin: 'config' | 'file' | 'generated';
  file?: string;
}

/**
 * The master API key: server.secret_key when configured; otherwise the one generated on the
 * first start and kept (mode 0600) in the data directory, so it survives restarts.
 */
export function resolveMasterKey(configured: string, dataDir: string): MasterKey {
  if (configured) return { key: configured, origin: 'config' };
  const file = join(dataDir, 'secret_key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key) return { key, origin: 'file', file };
  }
  mkdirSync(dataDir, { recursive: true });
  const key = `nrc_${randomBytes(32).toString('base64url')}`;
  writeFileSync(file, key + '\n', { mode: 0o600 });
  return { key, origin: 'generated', file };
}
