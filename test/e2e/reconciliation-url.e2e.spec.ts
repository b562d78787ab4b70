import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReconciliationSettings } from '../../src/modules/reconciliation/application/reconciliation-settings';
import { startTestApp, TEST_KEY, TestApp } from '../support/app';
import { fingerprint } from '../support/fingerprint';

/** Only 127.0.0.1 is allowed (`localhost` names the same server and is not); a 1 s timeout. */
const SETTINGS = new ReconciliationSettings(1, ['127.0.0.1'], 1000, 100, 20, 60_000, 3);

const CSV =
  'id,amount,currency,reference,description,date\n' +
  'u1,10.50,USD,r1,Card payment,2024-03-01T10:00:00Z\n' +
  'u2,20,USD,r2,Wire,2024-03-01T11:00:00Z\n';

/**
 * POST /reconciliation/upload by URL (reference §2.10) against a loopback server: the host and
 * every redirect's host must be allowed, the download has a timeout, and a refusal stores nothing.
 */
describe('reconciliation upload by URL', () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  let localhost: string;

  beforeAll(async () => {
    t = await startTestApp({ reconciliation: SETTINGS });
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      if (path.startsWith('/statement')) {
        res.writeHead(200, { 'content-type': 'text/csv' });
        res.end(CSV);
      } else if (path === '/redirect-allowed') {
        res.writeHead(302, { location: `${base}/statement-moved.csv` });
        res.end();
      } else if (path === '/redirect-away') {
        res.writeHead(302, { location: `${localhost}/statement-away.csv` });
        res.end();
      } else if (path === '/redirect-loop') {
        res.writeHead(302, { location: `${base}/redirect-loop` });
        res.end();
      } else if (path === '/silent') {
        // Never answers: the timeout must end the request.
      } else if (path === '/stall.csv') {
        // Headers and a first row, then nothing.
        res.writeHead(200, { 'content-type': 'text/csv' });
        res.write(CSV.split('\n').slice(0, 2).join('\n') + '\n');
      } else {
        res.writeHead(404);
        res.end('no');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    base = `http://127.0.0.1:${port}`;
    localhost = `http://localhost:${port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await t.close();
  });

  const byUrl = (url: string, source = 'bank-url') =>
    t.http('POST', '/reconciliation/upload', { url, source });

  it('downloads an allowed URL (JSON body or a multipart url field) and follows allowed redirects', async () => {
    const json = await byUrl(`${base}/statement.csv`, 'bank-url-json');
    expect([json.status, json.json]).toEqual([
      200,
      { upload_id: expect.stringMatching(/^upload_/), record_count: 2, source: 'bank-url-json' },
    ]);
    const form = new FormData();
    form.append('url', `${base}/statement-form.csv`);
    form.append('source', 'bank-url-form');
    const multipart = await fetch(`${t.url}/reconciliation/upload`, {
      method: 'POST',
      headers: { 'x-blnk-key': TEST_KEY },
      body: form,
    });
    expect(multipart.status).toBe(200);
    expect(((await multipart.json()) as any).record_count).toBe(2);
    const moved = await byUrl(`${base}/redirect-allowed`, 'bank-url-moved');
    expect([moved.status, moved.json.record_count]).toEqual([200, 2]);
    const [{ n }] = await t.ds.query(
      `SELECT count(*)::int AS n FROM external_transactions WHERE source = 'bank-url-moved'`,
    );
    expect(n).toBe(2);
  });

  it.each([
    [
      'a host not allowed',
      () => `${localhost}/statement.csv`,
      400,
      'RECON_UPLOAD_HOST_NOT_ALLOWED',
    ],
    [
      'a redirect to a host not allowed',
      () => `${base}/redirect-away`,
      400,
      'RECON_UPLOAD_HOST_NOT_ALLOWED',
    ],
    ['another scheme', () => `ftp://127.0.0.1/statement.csv`, 400, 'RECON_UPLOAD_URL_INVALID'],
    ['not a URL', () => `statement.csv`, 400, 'RECON_UPLOAD_URL_INVALID'],
    [
      'credentials in the URL',
      () => base.replace('//', '//u:p@') + '/statement.csv',
      400,
      'RECON_UPLOAD_URL_INVALID',
    ],
    ['a 404', () => `${base}/nothing.csv`, 500, 'RECON_UPLOAD_PROCESSING_FAILED'],
    ['endless redirects', () => `${base}/redirect-loop`, 500, 'RECON_UPLOAD_PROCESSING_FAILED'],
  ])('refuses %s and stores nothing', async (_what, url, status, code) => {
    const before = await fingerprint(t.ds);
    const r = await byUrl(url());
    expect([r.status, r.json.error_detail.code]).toEqual([status, code]);
    expect(await fingerprint(t.ds)).toEqual(before);
  });

  it.each([
    ['a server that never answers', '/silent'],
    ['a body that stalls after its first row', '/stall.csv'],
  ])('times out on %s (server.upload_url_timeout_sec), storing nothing', async (_what, path) => {
    const before = await fingerprint(t.ds);
    const started = Date.now();
    const r = await byUrl(`${base}${path}`);
    expect([r.status, r.json.error_detail.code]).toEqual([500, 'RECON_UPLOAD_PROCESSING_FAILED']);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await fingerprint(t.ds)).toEqual(before);
  });
});
