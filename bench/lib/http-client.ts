import { Agent, request } from 'node:http';

export interface HttpResult {
  status: number;
  body: unknown;
}

/**
 * A keep-alive JSON client for the load generator. Plain `node:http` with one agent: the client
 * must cost as little CPU as possible, since it shares the machine with the server it measures.
 */
export class BenchClient {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: URL,
    private readonly apiKey: string,
    maxSockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  send(method: string, path: string, body?: unknown): Promise<HttpResult> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.baseUrl.hostname,
          port: this.baseUrl.port,
          method,
          path,
          headers: {
            'x-blnk-key': this.apiKey,
            ...(payload
              ? {
                  'content-type': 'application/json',
                  'content-length': Buffer.byteLength(payload),
                }
              : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // keep the raw text: it goes into the error sample of the report
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** Like `send`, but any status outside 2xx (or `expect`) is an error carrying the body. */
  async expect(method: string, path: string, body: unknown, ok = [200, 201, 202]): Promise<any> {
    const r = await this.send(method, path, body);
    if (!ok.includes(r.status)) {
      throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    }
    return r.body;
  }

  close(): void {
    this.agent.destroy();
  }
}
