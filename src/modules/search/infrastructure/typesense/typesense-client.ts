import { Client } from 'typesense';
import type { SearchSettings } from '../../application/search-settings';

/** A Typesense client for `typesense.dns` (`http://host:8108`); no retries: the indexer backs off. */
export function typesenseClient(settings: SearchSettings): Client {
  const url = new URL(settings.typesenseDsn);
  const protocol = url.protocol.replace(':', '');
  return new Client({
    nodes: [
      {
        host: url.hostname,
        port: Number(url.port || (protocol === 'https' ? 443 : 8108)),
        protocol,
        path: url.pathname === '/' ? '' : url.pathname,
      },
    ],
    apiKey: settings.typesenseKey,
    connectionTimeoutSeconds: 5,
    numRetries: 0,
    logLevel: 'silent',
  });
}
