import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const SALT = Buffer.from('neraca/idempotency/v1');
const VERSION = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Kept answers are sealed (AES-256-GCM under a subkey of the server's master key, bound to their
 * scope and key): an answer can hold what the database must not keep in clear, the secret of a
 * new API key (api_keys keeps only its hash) or an identity's PII before it is tokenized. A
 * database dump shows neither; a sealed answer copied to another key does not open.
 */
export class AnswerSeal {
  private readonly key: Buffer;

  constructor(masterKey: string) {
    this.key = Buffer.from(hkdfSync('sha256', masterKey, SALT, 'answers/aes-256-gcm', 32));
  }

  seal(body: Uint8Array, scope: string, key: string): Uint8Array {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(`${scope}\n${key}`));
    const text = Buffer.concat([cipher.update(body), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), nonce, cipher.getAuthTag(), text]);
  }

  /** The body, or undefined when it does not open (another master key, another key, altered). */
  open(sealed: Uint8Array, scope: string, key: string): Uint8Array | undefined {
    const b = Buffer.from(sealed);
    if (b.length < 1 + NONCE_BYTES + TAG_BYTES || b[0] !== VERSION) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, b.subarray(1, 1 + NONCE_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(`${scope}\n${key}`));
      decipher.setAuthTag(b.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES));
      return Buffer.concat([
        decipher.update(b.subarray(1 + NONCE_BYTES + TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      return undefined;
    }
  }
}
