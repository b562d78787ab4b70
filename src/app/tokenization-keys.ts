import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StaticTokenKeys } from '../modules/identity/infrastructure/keys/static-token-keys';
import { ConfigError, NeracaConfig } from './config/neraca-config';

const BASE64_PREFIX = 'base64:';
export const TOKENIZATION_KEY_FILE = 'tokenization_key';

/**
 * A tokenization secret as configured: exactly 32 bytes of text (Blnk's rule), or
 * `base64:<32 bytes in base64>` for random bytes. Anything else stops the start: a secret of the
 * wrong length would otherwise leave PII in clear (Blnk just disables tokenization).
 */
export function parseTokenizationSecret(text: string, origin: string): Buffer {
  const bytes = text.startsWith(BASE64_PREFIX)
    ? Buffer.from(text.slice(BASE64_PREFIX.length), 'base64')
    : Buffer.from(text, 'utf8');
  if (bytes.length !== 32) {
    throw new ConfigError(
      `invalid configuration: ${origin} must be exactly 32 bytes (or base64:<32 bytes>), got ${bytes.length}`,
    );
  }
  return bytes;
}

export interface TokenizationKeys {
  keys: StaticTokenKeys;
  /** 'config', 'file' (kept from an earlier embedded start), 'generated' (new now) or 'none'. */
  origin: 'config' | 'file' | 'generated' | 'none';
  file?: string;
}

/**
 * The keys of this process: `tokenization_secret` encrypts; `tokenization_old_keys` and the data
 * directory's key file (if any) still decrypt. In embedded mode with no secret, the key file is
 * the current key, generated on first start (mode 0600) and written before any token can exist.
 * With PostgreSQL and no secret, tokenization is disabled rather than keyed per host: processes
 * with different keys could not read each other's tokens.
 */
export function resolveTokenizationKeys(config: NeracaConfig, dataDir: string): TokenizationKeys {
  const file = join(dataDir, TOKENIZATION_KEY_FILE);
  const secret = config.get<string>('tokenization_secret');
  const old = (config.get<string[]>('tokenization_old_keys') ?? []).map((s, i) =>
    parseTokenizationSecret(s, `tokenization_old_keys[${i}]`),
  );
  const fromFile = existsSync(file)
    ? parseTokenizationSecret(readFileSync(file, 'utf8').trim(), file)
    : undefined;
  if (secret) {
    const current = parseTokenizationSecret(secret, 'tokenization_secret');
    const retired = fromFile ? [...old, fromFile] : old;
    return { keys: new StaticTokenKeys([current, ...retired]), origin: 'config' };
  }
  if (fromFile) return { keys: new StaticTokenKeys([fromFile, ...old]), origin: 'file', file };
  if (!config.embedded) return { keys: new StaticTokenKeys([]), origin: 'none' };
  const generated = randomBytes(32);
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${BASE64_PREFIX}${generated.toString('base64')}\n`, { mode: 0o600 });
  return { keys: new StaticTokenKeys([generated, ...old]), origin: 'generated', file };
}
