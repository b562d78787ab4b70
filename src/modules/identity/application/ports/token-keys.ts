/**
 * One tokenization key, already split into the subkeys it is used as. `id` is written into every
 * token the key makes (8 bytes, shown as 16 hex digits).
 */
export interface TokenKey {
  id: string;
  /** AES-256-GCM key. */
  encryptionKey: Buffer;
}

/**
 * Port: where tokenization keys come from (configuration, a file in the data directory, a KMS).
 * The newest key encrypts; every key it still knows decrypts, so keys can rotate.
 */
export abstract class TokenKeyProvider {
  /** The key new tokens are made with; null when tokenization is not configured. */
  abstract current(): Promise<TokenKey | null>;
  /** A key by its id, current or retired; null when this server does not have it. */
  abstract find(id: string): Promise<TokenKey | null>;
}
