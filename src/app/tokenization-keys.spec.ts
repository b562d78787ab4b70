import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config/neraca-config';
import { resolveTokenizationKeys, TOKENIZATION_KEY_FILE } from './tokenization-keys';

const config = (env: Record<string, string>) => loadConfig({ cwd: tmpdir(), env });
const dir = () => mkdtempSync(join(tmpdir(), 'neraca-tk-'));

describe('tokenization keys from configuration', () => {
  it('embedded without a secret: generates a key file (0600) once and reuses it', () => {
    const d = dir();
    const first = resolveTokenizationKeys(config({}), d);
    expect(first.origin).toBe('generated');
    const file = join(d, TOKENIZATION_KEY_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^base64:[A-Za-z0-9+/]{43}=\n$/);
    const second = resolveTokenizationKeys(config({}), d);
    expect(second.origin).toBe('file');
    expect(second.keys.ids()).toEqual(first.keys.ids());
  });

  it('a configured secret encrypts; old keys and an earlier key file still decrypt', () => {
    const d = dir();
    const fileKeys = resolveTokenizationKeys(config({}), d).keys.ids();
    const old = randomBytes(32).toString('base64');
    const r = resolveTokenizationKeys(
      config({
        BLNK_TOKENIZATION_SECRET: 'k'.repeat(32),
        NERACA_TOKENIZATION_OLD_KEYS: JSON.stringify([`base64:${old}`]),
      }),
      d,
    );
    expect(r.origin).toBe('config');
    expect(r.keys.ids()).toHaveLength(3);
    expect(r.keys.ids()[2]).toBe(fileKeys[0]);
  });

  it('PostgreSQL without a secret: disabled, no per-host key file is made', () => {
    const d = dir();
    const r = resolveTokenizationKeys(config({ BLNK_DATA_SOURCE_DNS: 'postgres://x/y' }), d);
    expect(r.origin).toBe('none');
    expect(r.keys.ids()).toEqual([]);
  });

  it('refuses a secret that is not 32 bytes instead of running without protection', () => {
    expect(() =>
      resolveTokenizationKeys(config({ BLNK_TOKENIZATION_SECRET: 'short' }), dir()),
    ).toThrow(/exactly 32 bytes/);
    const d = dir();
    writeFileSync(join(d, TOKENIZATION_KEY_FILE), 'garbage\n');
    expect(() => resolveTokenizationKeys(config({}), d)).toThrow(/exactly 32 bytes/);
    expect(() =>
      resolveTokenizationKeys(config({ NERACA_TOKENIZATION_OLD_KEYS: 'a,b' }), dir()),
    ).toThrow(/tokenization_old_keys\[0\]/);
  });
});
