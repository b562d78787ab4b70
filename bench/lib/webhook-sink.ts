import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A webhook receiver on loopback for `--webhook-receiver`: answers every delivery 200 at once and
 * counts them by event, so a run measures the engine with its outbox delivered, as in production.
 */
export class WebhookSink {
  readonly counts: Record<string, number> = {};
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const event = String(JSON.parse(Buffer.concat(chunks).toString()).event);
          this.counts[event] = (this.counts[event] ?? 0) + 1;
        } catch {
          this.counts['(unparsable)'] = (this.counts['(unparsable)'] ?? 0) + 1;
        }
        res.writeHead(200).end();
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/events`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
