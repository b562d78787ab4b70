import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HttpWebhookSender } from '../../src/modules/events/infrastructure/http/http-webhook-sender';

interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Which connection (1-based, in order of arrival) carried it. */
  connection: number;
  /** Its place on that connection (1 = the connection's first request). */
  onConnection: number;
}

/** A real server on loopback; `handle` answers each request once its body has arrived. */
async function serve(
  handle: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void = (_q, res) =>
    res.writeHead(200).end('ok'),
) {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const order = new WeakMap<Socket, { n: number; requests: number }>();
  let connections = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const c = order.get(req.socket)!;
      c.requests += 1;
      const s = {
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        connection: c.n,
        onConnection: c.requests,
      };
      seen.push(s);
      handle(req, res, s);
    });
  });
  server.on('connection', (s: Socket) => {
    connections += 1;
    order.set(s, { n: connections, requests: 0 });
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    connections: () => connections,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const HEADERS = { 'content-type': 'application/json', 'x-blnk-event-id': 'evt-1' };

describe('HttpWebhookSender (real HTTP on loopback)', () => {
  let sender: HttpWebhookSender;
  const servers: { close(): Promise<void> }[] = [];
  beforeEach(() => {
    sender = new HttpWebhookSender();
  });
  afterEach(async () => {
    sender.onModuleDestroy();
    while (servers.length) await servers.pop()!.close();
  });
  async function started(handle?: Parameters<typeof serve>[0]) {
    const s = await serve(handle);
    servers.push(s);
    return s;
  }

  it('POSTs the exact body and headers, and reuses one kept-alive connection', async () => {
    const s = await started();
    for (let i = 0; i < 5; i++) {
      const body = JSON.stringify({ event: 'transaction.applied', data: { n: i, note: 'é€' } });
      await expect(sender.post(`${s.url}/hook?x=1`, HEADERS, body, 5_000)).resolves.toEqual({
        status: 200,
      });
    }
    expect(s.seen.map((r) => r.body)).toEqual(
      [0, 1, 2, 3, 4].map((i) =>
        JSON.stringify({ event: 'transaction.applied', data: { n: i, note: 'é€' } }),
      ),
    );
    expect(s.seen[0]).toMatchObject({ url: '/hook?x=1' });
    expect(s.seen[0].headers).toMatchObject({
      'content-type': 'application/json',
      'x-blnk-event-id': 'evt-1',
      'content-length': String(Buffer.byteLength(s.seen[0].body)),
    });
    expect(s.connections()).toBe(1);
  });

  it('returns any status as it is, and never follows a redirect', async () => {
    const s = await started((req, res) => {
      if (req.url === '/moved') res.writeHead(302, { location: '/elsewhere' }).end();
      else if (req.url === '/elsewhere') res.writeHead(200).end();
      else res.writeHead(503).end('busy');
    });
    await expect(sender.post(`${s.url}/moved`, HEADERS, '{}', 5_000)).resolves.toEqual({
      status: 302,
    });
    await expect(sender.post(`${s.url}/down`, HEADERS, '{}', 5_000)).resolves.toEqual({
      status: 503,
    });
    expect(s.seen.map((r) => r.url)).toEqual(['/moved', '/down']);
  });

  it('stops reading an answer after 64 KiB and keeps its status', async () => {
    let writer: NodeJS.Timeout | undefined;
    const s = await started((_req, res) => {
      res.writeHead(201);
      // An answer that never ends: 1 MiB now, more every 10 ms.
      res.write(Buffer.alloc(1 << 20, 'x'));
      writer = setInterval(() => res.write(Buffer.alloc(1 << 16, 'y')), 10);
      res.on('close', () => clearInterval(writer));
    });
    // The deadline is far: a result within it is the status, not a timeout.
    await expect(sender.post(`${s.url}/big`, HEADERS, '{}', 20_000)).resolves.toEqual({
      status: 201,
    });
    clearInterval(writer);
  });

  it('gives up at the deadline, before the answer or in the middle of it', async () => {
    const s = await started((req, res) => {
      if (req.url === '/half') {
        res.writeHead(200);
        res.write('partial'); // and never ends
      }
      // '/silent': no answer at all
    });
    await expect(sender.post(`${s.url}/silent`, HEADERS, '{}', 300)).resolves.toEqual({
      error: 'timed out after 300 ms',
    });
    await expect(sender.post(`${s.url}/half`, HEADERS, '{}', 300)).resolves.toEqual({
      error: 'timed out after 300 ms',
    });
  });

  it('reports a refused connection by its code', async () => {
    const s = await started();
    const { port } = s;
    await s.close();
    servers.pop();
    await expect(sender.post(`http://127.0.0.1:${port}/x`, HEADERS, '{}', 5_000)).resolves.toEqual({
      error: 'ECONNREFUSED',
    });
  });

  it('sends user info as Basic authorization, never in the request, unless one is configured', async () => {
    const s = await started();
    const withUser = s.url.replace('http://', 'http://hook%40user:p%3Ass@');
    await sender.post(`${withUser}/a`, HEADERS, '{}', 5_000);
    await sender.post(`${withUser}/b`, { ...HEADERS, Authorization: 'Bearer mine' }, '{}', 5_000);
    expect(s.seen[0].headers.authorization).toBe(
      `Basic ${Buffer.from('hook@user:p:ss').toString('base64')}`,
    );
    expect(s.seen[0].url).toBe('/a');
    expect(s.seen[0].headers.host).toBe(`127.0.0.1:${s.port}`);
    expect(s.seen[1].headers.authorization).toBe('Bearer mine');
  });

  it('drops configured headers the connection manages, so they cannot cut the body short', async () => {
    const s = await started();
    const body = JSON.stringify({ event: 'x', data: { long: 'a'.repeat(100) } });
    await expect(
      sender.post(
        `${s.url}/h`,
        { ...HEADERS, 'Content-Length': '1', Connection: 'close', 'Transfer-Encoding': 'gzip' },
        body,
        5_000,
      ),
    ).resolves.toEqual({ status: 200 });
    expect(s.seen[0].body).toBe(body);
    expect(s.seen[0].headers['transfer-encoding']).toBeUndefined();
  });

  it('answers bad URLs and header values with an error, never a throw or the URL', async () => {
    await expect(
      sender.post('receiver.invalid/x?t=SECRET1', HEADERS, '{}', 1_000),
    ).resolves.toEqual({ error: 'the webhook URL (notification.webhook.url) is not a URL' });
    await expect(sender.post('ftp://h/x?t=SECRET2', HEADERS, '{}', 1_000)).resolves.toEqual({
      error: "the webhook URL's scheme (ftp:) is not http or https",
    });
    const s = await started();
    const bad = await sender.post(
      `${s.url}/x?t=SECRET3`,
      { ...HEADERS, 'x-bad': 'a\nb' },
      '{}',
      1_000,
    );
    expect('error' in bad && bad.error).toBeTruthy();
    // node:http's own refusal, by its code: nothing of the URL or the header's value.
    expect(bad).toEqual({ error: 'ERR_INVALID_CHAR' });
    expect(JSON.stringify(bad)).not.toMatch(/SECRET3/);
    expect(s.seen).toEqual([]);
  });

  it('sends again on a new connection when a kept-alive one is reset as it is reused', async () => {
    // The receiver resets every connection's second request without answering: the state a
    // connection is in when the receiver closed it just as the sender reused it.
    const s = await started((req, res, seen) => {
      if (seen.onConnection > 1) req.socket.destroy();
      else res.writeHead(200).end('ok');
    });
    await expect(sender.post(`${s.url}/1`, HEADERS, '{"n":1}', 5_000)).resolves.toEqual({
      status: 200,
    });
    await expect(sender.post(`${s.url}/2`, HEADERS, '{"n":2}', 5_000)).resolves.toEqual({
      status: 200,
    });
    expect(s.seen.map((r) => [r.url, r.connection, r.onConnection])).toEqual([
      ['/1', 1, 1],
      ['/2', 1, 2],
      ['/2', 2, 1],
    ]);
  });

  it('closes a connection idle for 4 s, never one waiting for a slow answer', async () => {
    // The idle close is what keeps a POST off a connection the receiver (Node's default
    // keep-alive timeout: 5 s) is about to close; it must not cut an answer that is slow.
    const s = await started((req, res) => {
      if (req.url === '/slow') setTimeout(() => res.writeHead(200).end('ok'), 4_500);
      else res.writeHead(200).end('ok');
    });
    await expect(sender.post(`${s.url}/slow`, HEADERS, '{}', 20_000)).resolves.toEqual({
      status: 200,
    });
    await new Promise((r) => setTimeout(r, 4_500));
    await expect(sender.post(`${s.url}/next`, HEADERS, '{}', 20_000)).resolves.toEqual({
      status: 200,
    });
    expect(s.seen.map((r) => [r.url, r.connection])).toEqual([
      ['/slow', 1],
      ['/next', 2],
    ]);
  }, 30_000);

  it('does not send again when a fresh connection is reset', async () => {
    const s = await started((req) => req.socket.destroy());
    await expect(sender.post(`${s.url}/r`, HEADERS, '{}', 5_000)).resolves.toEqual({
      error: 'ECONNRESET',
    });
    expect(s.seen).toHaveLength(1);
  });
});
