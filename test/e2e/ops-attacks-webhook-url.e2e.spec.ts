import { WebhookSettings } from '../../src/modules/events/application/webhook-settings';
import { startTestApp, TEST_KEY, TestApp } from '../support/app';
import { startReceiver } from '../support/webhook-receiver';
import { waitFor } from '../support/wait';

const settings = (url: string) =>
  new WebhookSettings(url, {}, TEST_KEY, 25, 5_000, 50, 200, 7 * 86_400_000, 20, 20);

/**
 * A webhook URL with credentials in it (`https://user:password@receiver/…`), as Blnk accepts:
 * Go's HTTP client sends them as `Authorization: Basic`, so a Blnk deployment's URL must deliver
 * here too. And whatever the URL holds, a failed attempt's error never quotes it: the error is
 * stored (`last_error`), shown by `GET /webhook-deliveries` to any key with `webhooks:read`, and
 * sent to Slack and as `system.error` once the retries are exhausted.
 */
describe('ops attacks: webhook URLs with secrets', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const apps: TestApp[] = [];
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await receiver.close();
  });

  it('delivers to a URL with user info, as Basic authorization, the URL without it', async () => {
    const url = receiver.url.replace('http://', 'http://hook%40user:p%3Ass%2Fw0rd@') + '?x=1';
    const t = await startTestApp({ webhooks: settings(url) });
    apps.push(t);
    const ledger = await t.http('POST', '/ledgers', { name: 'basic-auth' });
    const got = await waitFor(
      async () =>
        receiver.received.find(
          (r) =>
            r.json.event === 'ledger.created' && r.json.data.ledger_id === ledger.json.ledger_id,
        ),
      20_000,
      'the ledger.created delivery',
    );
    expect(got.headers.authorization).toBe(
      `Basic ${Buffer.from('hook@user:p:ss/w0rd').toString('base64')}`,
    );
  });

  it.each([
    ['an unparseable URL with a token', 'http://127.0.0.1:99999/x?token=SECRETTOKEN1'],
    ['no scheme, a token', 'receiver.invalid/x?token=SECRETTOKEN2'],
    ['a password, unreachable', 'http://user:SECRETTOKEN3@127.0.0.1:1/x'],
  ])('never quotes %s in a delivery error', async (_name, url) => {
    const t = await startTestApp({ webhooks: settings(url) });
    apps.push(t);
    await t.http('POST', '/ledgers', { name: 'leaky' });
    const failed = await waitFor(
      async () => {
        const r = await t.http('GET', '/webhook-deliveries?status=pending');
        const rows = r.json as { last_error: string | null }[];
        return rows.find((d) => d.last_error);
      },
      20_000,
      'a failed attempt',
    );
    expect(failed.last_error).not.toMatch(/SECRETTOKEN/);
    expect(failed.last_error).not.toContain(url);
  });
});
