import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIN_MASTER_KEY_LENGTH, resolveMasterKey, workerSigningKey } from './master-key';

describe('the master key', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'neraca-master-key-'));

  it('refuses a configured key shorter than 32 characters', () => {
    expect(() => resolveMasterKey('short-master-key', dir())).toThrow(
      /server\.secret_key .* is 16 characters: the master key must be at least 32/,
    );
    expect(() => resolveMasterKey('x'.repeat(31), dir())).toThrow(/at least 32/);
    expect(resolveMasterKey('x'.repeat(32), dir()).key).toBe('x'.repeat(32));
  });

  it('refuses a short key kept in the data directory', () => {
    const d = dir();
    writeFileSync(join(d, 'secret_key'), 'too-short\n');
    expect(() => resolveMasterKey('', d)).toThrow(/secret_key is 9 characters/);
  });

  it('generates a key long enough', () => {
    const generated = resolveMasterKey('', dir());
    expect(generated.origin).toBe('generated');
    expect(generated.key.length).toBeGreaterThanOrEqual(MIN_MASTER_KEY_LENGTH);
  });

  describe('the key workers sign webhooks with', () => {
    const key = 'k'.repeat(40);

    it('is the configured key, or the one neraca start kept in the data directory', () => {
      expect(workerSigningKey(true, key, dir())).toEqual({ key, missing: false });
      const d = dir();
      const started = resolveMasterKey('', d);
      started.persist();
      expect(workerSigningKey(true, '', d)).toEqual({ key: started.key, missing: false });
    });

    it('is never a key of its own: none known is unsigned and reported, and nothing is written', () => {
      const d = dir();
      expect(workerSigningKey(true, '', d)).toEqual({ key: '', missing: true });
      expect(existsSync(join(d, 'secret_key'))).toBe(false);
    });

    it('is empty with server.secure off, as the API processes sign then', () => {
      expect(workerSigningKey(false, key, dir())).toEqual({ key: '', missing: false });
    });
  });
});
