import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { toEnvelope } from '@libs/http/error.filter';
import { stringifyJson } from '@libs/core/json';
import { checkMetricsAccess } from '../../domain/metrics-access';

export interface MetricsListenerOptions {
  port: number;
  host: string;
  /** server.secure and server.metrics_bearer_token: the API's rules (reference §2.1). */
  secure: boolean;
  token: string;
}

export interface MetricsListener {
  url: string;
  close(): Promise<void>;
}

/**
 * GET /metrics of a process without an HTTP API (`neraca workers`): a bare Node listener that
 * answers that one route, under the same bearer-token rules as the API's, refusals in Blnk's
 * envelope. Anything else is 404.
 */
export async function startMetricsListener(
  registry: Registry,
  opts: MetricsListenerOptions,
): Promise<MetricsListener> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const answer = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type }).end(body);
    };
    if (req.method !== 'GET' || path !== '/metrics') {
      return answer(404, 'text/plain; charset=utf-8', 'not found\n');
    }
    try {
      checkMetricsAccess(opts.secure, opts.token, req.headers.authorization);
    } catch (e) {
      const { status, body } = toEnvelope(e);
      return answer(status, 'application/json; charset=utf-8', stringifyJson(body));
    }
    registry.metrics().then(
      (text) => answer(200, registry.contentType, text),
      (e: unknown) => answer(500, 'text/plain; charset=utf-8', `metrics failed: ${String(e)}\n`),
    );
  });
  // The keep-alive of a scraper must not hold the process at shutdown.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host === '0.0.0.0' || opts.host === '::' ? '127.0.0.1' : opts.host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
