import { Readable } from 'node:stream';
import type { ReadableStream as WebStream } from 'node:stream/web';
import { Injectable } from '@nestjs/common';
import { StatementFetcher } from '../../application/ports/statement-fetcher';
import { ReconciliationSettings } from '../../application/reconciliation-settings';
import {
  uploadHostNotAllowed,
  uploadProcessingFailed,
  uploadUrlInvalid,
} from '../../domain/reconciliation.errors';

const MAX_REDIRECTS = 5;

/**
 * Downloads with the global fetch: http/https only, the host and every redirect's host in
 * `server.upload_whitelist` (exact names; empty = none), one timeout for the whole exchange.
 */
@Injectable()
export class StatementUrlFetcher extends StatementFetcher {
  constructor(private readonly settings: ReconciliationSettings) {
    super();
  }

  async fetch(raw: string): Promise<{ body: Readable; filename: string }> {
    let url = this.checked(raw);
    const signal = AbortSignal.timeout(this.settings.urlTimeoutMs);
    for (let hop = 0; ; hop++) {
      let res: Response;
      try {
        res = await fetch(url, { redirect: 'manual', signal });
      } catch (e) {
        throw uploadProcessingFailed(`fetching the URL failed: ${(e as Error).message}`);
      }
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        await res.body?.cancel();
        if (hop >= MAX_REDIRECTS) throw uploadProcessingFailed('too many redirects');
        url = this.checked(new URL(res.headers.get('location')!, url).toString());
        continue;
      }
      if (!res.ok || !res.body) {
        await res.body?.cancel();
        throw uploadProcessingFailed(`the URL answered ${res.status}`);
      }
      const filename = decodeURIComponent(url.pathname.split('/').pop() ?? '');
      return { body: Readable.fromWeb(res.body as unknown as WebStream), filename };
    }
  }

  private checked(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw uploadUrlInvalid('not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw uploadUrlInvalid('the scheme must be http or https');
    if (url.username || url.password)
      throw uploadUrlInvalid('credentials in the URL are not allowed');
    const host = url.hostname.toLowerCase();
    if (!this.settings.uploadWhitelist.map((h) => h.trim().toLowerCase()).includes(host)) {
      throw uploadHostNotAllowed(host);
    }
    return url;
  }
}
