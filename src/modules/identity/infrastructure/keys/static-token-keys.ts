import { TokenKey, TokenKeyProvider } from '../../application/ports/token-keys';
import { deriveTokenKey } from '../../application/tokenizer';

/**
 * Keys held in memory, from configuration: the first secret is current, the rest are retired
 * keys that still decrypt. No secret at all = tokenization disabled.
 */
export class StaticTokenKeys extends TokenKeyProvider {
  private readonly keys: TokenKey[];

  constructor(secrets: readonly Buffer[]) {
    super();
    const seen = new Set<string>();
    this.keys = secrets.map(deriveTokenKey).filter((k) => !seen.has(k.id) && seen.add(k.id));
  }

  async current(): Promise<TokenKey | null> {
    return this.keys[0] ?? null;
  }

  async find(id: string): Promise<TokenKey | null> {
    return this.keys.find((k) => k.id === id) ?? null;
  }

  /** Ids of every key, current first (for logs and the rotate command). */
  ids(): string[] {
    return this.keys.map((k) => k.id);
  }
}
