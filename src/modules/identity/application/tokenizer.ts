import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  formatToken,
  headerOf,
  KEY_ID_BYTES,
  NONCE_BYTES,
  parseToken,
  TAG_BYTES,
  TokenFormatError,
  visibleOf,
  visibleSeedLength,
} from '../domain/token-format';
import { tokenInvalid, tokenizationDisabled } from '../domain/identity.errors';
import { TokenKey, TokenKeyProvider } from './ports/token-keys';

const SALT = Buffer.from('neraca/tokenization/v1');

function subkey(secret: Buffer, info: string, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, SALT, info, length));
}

/**
 * A secret of 32 bytes becomes a key: separate HKDF subkeys for encryption and for the id, so the
 * id written into tokens says nothing about the key. (Releases before issue 11 also derived a
 * `visible` subkey for the visible part; it is no longer used, and nothing needs it to decrypt.)
 */
export function deriveTokenKey(secret: Buffer): TokenKey {
  if (secret.length !== 32) throw new Error('a tokenization secret must be exactly 32 bytes');
  return {
    id: subkey(secret, 'key-id', KEY_ID_BYTES).toString('hex'),
    encryptionKey: subkey(secret, 'aes-256-gcm', 32),
  };
}

/** Where a token belongs; authenticated with it, so a token moved elsewhere does not open. */
export interface TokenPlace {
  identityId: string;
  field: string;
}

function aad(header: Buffer, place: TokenPlace, visible: string): Buffer {
  return Buffer.concat([
    header,
    Buffer.from(`\0${place.identityId}\0${place.field}\0${visible}`, 'utf8'),
  ]);
}

/** AES-256-GCM tokens with a random 96-bit nonce, under the provider's current key. */
@Injectable()
export class Tokenizer {
  constructor(private readonly keys: TokenKeyProvider) {}

  /**
   * The visible part is drawn at random for every token: a function of the value (Blnk's keyed
   * hash, and this server's before issue 11) makes equal values look equal across identities and
   * fields, and lets anyone who may tokenize confirm a guess by tokenizing it elsewhere. Nothing
   * reads the visible part back: it is authenticated with the ciphertext, never recomputed.
   * @throws DomainError IDT_TOKENIZATION_DISABLED when no key is configured.
   */
  async tokenize(value: string, place: TokenPlace): Promise<{ token: string; keyId: string }> {
    const key = await this.keys.current();
    if (!key) throw tokenizationDisabled();
    const keyId = Buffer.from(key.id, 'hex');
    const visible = visibleOf(value, randomBytes(visibleSeedLength(value)));
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.encryptionKey, nonce, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(aad(headerOf(keyId), place, visible));
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    const token = formatToken(visible, { keyId, nonce, ciphertext, tag: cipher.getAuthTag() });
    return { token, keyId: key.id };
  }

  /**
   * @throws DomainError IDT_TOKEN_INVALID when the token is damaged, belongs elsewhere or was made
   *   with a key this server does not have.
   */
  async detokenize(token: string, place: TokenPlace): Promise<{ value: string; keyId: string }> {
    let parsed: ReturnType<typeof parseToken>;
    try {
      parsed = parseToken(token);
    } catch (e) {
      if (e instanceof TokenFormatError) throw tokenInvalid(place.field, e.message);
      throw e;
    }
    const { visible, payload } = parsed;
    const keyId = payload.keyId.toString('hex');
    const key = await this.keys.find(keyId);
    if (!key) {
      throw tokenInvalid(
        place.field,
        `it was made with key ${keyId}, which this server does not have (list retired keys in tokenization_old_keys)`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.encryptionKey, payload.nonce, {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(aad(headerOf(payload.keyId), place, visible));
      decipher.setAuthTag(payload.tag);
      const plain = Buffer.concat([decipher.update(payload.ciphertext), decipher.final()]);
      return { value: plain.toString('utf8'), keyId };
    } catch {
      throw tokenInvalid(place.field, 'it failed its integrity check (altered or moved)');
    }
  }

  /** Whether any key is configured at all (tokenize needs a current one, detokenize any). */
  async enabled(): Promise<boolean> {
    return (await this.keys.current()) !== null;
  }
}
