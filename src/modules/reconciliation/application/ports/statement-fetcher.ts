import type { Readable } from 'node:stream';

/** A statement downloaded from a URL (reference §2.10). */
export abstract class StatementFetcher {
  /**
   * The body of `url` as a stream, and a file name from its path.
   * @throws DomainError RECON_UPLOAD_URL_INVALID (not http/https), RECON_UPLOAD_HOST_NOT_ALLOWED
   * (the host, or a redirect's, is not in the whitelist), RECON_UPLOAD_PROCESSING_FAILED
   * (timeout, not 2xx, network).
   */
  abstract fetch(url: string): Promise<{ body: Readable; filename: string }>;
}
