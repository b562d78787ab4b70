/**
 * Blnk's format-preserving token, `FPT:<visible>:<base64 payload>` (reference §9), with a
 * payload that names the key that made it so keys can rotate:
 *
 *   version (1 byte) ‖ key id (8) ‖ nonce (12) ‖ AES-256-GCM ciphertext ‖ tag (16)
 *
 * `<visible>` has the shape of the value (letters stay letters of the same case, digits stay
 * digits, ASCII punctuation and spaces stay) but its characters come from a seed, never from the
 * value itself; any other character (non-ASCII letters included) becomes a lowercase letter, so
 * no character of the value survives in it. The seed is random for every token (the application
 * draws it), so two tokens of one value share only their shape. Pure functions: the cipher lives
 * in the application.
 */
export const TOKEN_PREFIX = 'FPT:';
export const TOKEN_VERSION = 1;
export const KEY_ID_BYTES = 8;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export class TokenFormatError extends Error {}

export interface TokenPayload {
  keyId: Buffer;
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** How many seed bytes `visibleOf` needs for a value: one per character. */
export function visibleSeedLength(value: string): number {
  return [...value].length;
}

export function visibleOf(value: string, seed: Uint8Array): string {
  const chars = [...value];
  if (seed.length < chars.length) throw new Error('seed shorter than the value');
  return chars
    .map((ch, i) => {
      const b = seed[i];
      if (ch >= 'A' && ch <= 'Z') return String.fromCharCode(65 + (b % 26));
      if (ch >= 'a' && ch <= 'z') return String.fromCharCode(97 + (b % 26));
      if (ch >= '0' && ch <= '9') return String.fromCharCode(48 + (b % 10));
      const code = ch.codePointAt(0)!;
      if (code >= 0x20 && code <= 0x7e) return ch;
      return String.fromCharCode(97 + (b % 26));
    })
    .join('');
}

/** The bytes the cipher authenticates beside the value: the header, the place, the visible part. */
export function headerOf(keyId: Buffer): Buffer {
  return Buffer.concat([Buffer.from([TOKEN_VERSION]), keyId]);
}

export function formatToken(visible: string, p: TokenPayload): string {
  const payload = Buffer.concat([headerOf(p.keyId), p.nonce, p.ciphertext, p.tag]);
  return `${TOKEN_PREFIX}${visible}:${payload.toString('base64')}`;
}

/**
 * Splits a token strictly: any damage to its framing is an error here, and any damage to its
 * content is caught by the cipher's tag, since the visible part is authenticated too.
 */
export function parseToken(token: string): { visible: string; payload: TokenPayload } {
  if (!token.startsWith(TOKEN_PREFIX)) throw new TokenFormatError('not a token');
  const cut = token.lastIndexOf(':');
  if (cut < TOKEN_PREFIX.length) throw new TokenFormatError('not a token');
  const visible = token.slice(TOKEN_PREFIX.length, cut);
  const text = token.slice(cut + 1);
  if (!BASE64_RE.test(text)) throw new TokenFormatError('payload is not base64');
  const bytes = Buffer.from(text, 'base64');
  // Unused low bits of the last character would otherwise decode to the same bytes.
  if (bytes.toString('base64') !== text) throw new TokenFormatError('payload is not canonical');
  if (bytes.length < HEADER_BYTES + NONCE_BYTES + TAG_BYTES) {
    throw new TokenFormatError('payload too short');
  }
  if (bytes[0] !== TOKEN_VERSION) throw new TokenFormatError(`unknown token version ${bytes[0]}`);
  const nonceEnd = HEADER_BYTES + NONCE_BYTES;
  return {
    visible,
    payload: {
      keyId: bytes.subarray(1, HEADER_BYTES),
      nonce: bytes.subarray(HEADER_BYTES, nonceEnd),
      ciphertext: bytes.subarray(nonceEnd, bytes.length - TAG_BYTES),
      tag: bytes.subarray(bytes.length - TAG_BYTES),
    },
  };
}
