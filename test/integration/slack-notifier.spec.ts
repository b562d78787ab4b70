import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SlackSettings } from '../../src/modules/notification/application/slack-settings';
import { OperatorNotifier } from '../../src/modules/notification/application/operator-notifier';
import { SlackChannel } from '../../src/modules/notification/infrastructure/slack/slack-channel';

/** The notifier as the module builds it with only Slack configured. */
const slackNotifier = (settings: SlackSettings, now: () => number) =>
  new OperatorNotifier([new SlackChannel(settings)], settings.rateLimitWindowMs, now);

interface Received {
  method: string;
  contentType: string | undefined;
  body: any;
}

/** A Slack incoming webhook on loopback: records each post, answers with `respond`. */
async function startReceiver(
  respond: (req: IncomingMessage, res: ServerResponse) => void = (_q, res) => res.end('ok'),
): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      received.push({
        method: req.method!,
        contentType: req.headers['content-type'],
        body: JSON.parse(text),
      });
      respond(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/services/T000/B000/XXXX`, received, server };
}

const close = (s: Server) =>
  new Promise<void>((resolve) => {
    s.closeAllConnections();
    s.close(() => resolve());
  });

describe('Slack notices against a loopback receiver', () => {
  let now = Date.parse('2026-12-01T10:00:00Z');
  const clock = () => now;
  const servers: Server[] = [];
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['error', 'warn']));
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(close));
  });
  const receiver = async (respond?: Parameters<typeof startReceiver>[0]) => {
    const r = await startReceiver(respond);
    servers.push(r.server);
    return r;
  };

  it("posts Blnk's block message with the error and the time", async () => {
    const r = await receiver();
    const slack = slackNotifier(new SlackSettings(r.url), clock);
    slack.notify(new Error('lane 3 failed: connection refused'), 'drain');
    await slack.idle();
    expect(r.received).toHaveLength(1);
    const [post] = r.received;
    expect(post.method).toBe('POST');
    expect(post.contentType).toBe('application/json');
    expect(post.body.text).toBe('Error From Neraca 🐞');
    expect(post.body.blocks[2].fields).toEqual([
      { type: 'mrkdwn', text: '*Error:*\ndrain: lane 3 failed: connection refused' },
      { type: 'mrkdwn', text: '*Time:*\n2026-12-01T10:00:00.000Z' },
    ]);
  });

  it('posts one message per distinct error per window, then reports what it held back', async () => {
    const r = await receiver();
    const slack = slackNotifier(new SlackSettings(r.url, 5000, 60_000), clock);
    for (let lane = 0; lane < 50; lane++) slack.notify(`drain of lane ${lane} failed: db down`);
    slack.notify('sweep failed: db down');
    await slack.idle();
    expect(r.received).toHaveLength(2);
    now += 59_000;
    slack.notify('drain of lane 4 failed: db down');
    await slack.idle();
    expect(r.received).toHaveLength(2);
    now += 1_000;
    slack.notify('drain of lane 9 failed: db down');
    await slack.idle();
    expect(r.received).toHaveLength(3);
    expect(JSON.stringify(r.received[2].body)).toContain('50 more like this');
  });

  it('never throws into the caller and returns at once, whatever Slack does', async () => {
    const refusing = await receiver((_q, res) => {
      res.statusCode = 500;
      res.end('no');
    });
    const hanging = await receiver(() => undefined);
    for (const url of [refusing.url, hanging.url, 'http://127.0.0.1:1/nothing', 'not a url']) {
      const slack = slackNotifier(new SlackSettings(url, 200, 0), clock);
      const started = performance.now();
      expect(() => slack.notify(new Error('x'))).not.toThrow();
      expect(() => slack.notify(Object.create(null))).not.toThrow();
      expect(() =>
        slack.notify({
          toString: () => {
            throw new Error('evil');
          },
        }),
      ).not.toThrow();
      expect(() => slack.notify(undefined, 'ctx')).not.toThrow();
      expect(performance.now() - started).toBeLessThan(50);
      await expect(slack.idle()).resolves.toBeUndefined();
    }
    expect(refusing.received.length).toBeGreaterThan(0);
  });

  it('gives up on a hanging Slack after its timeout, and caps posts in flight', async () => {
    const hanging = await receiver(() => undefined);
    const slack = slackNotifier(new SlackSettings(hanging.url, 300, 0), clock);
    const started = Date.now();
    for (let i = 0; i < 20; i++) slack.notify(`distinct error ${'x'.repeat(i)}`);
    await slack.idle();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(3000);
    expect(hanging.received.length).toBe(8);
  });

  it('aborts what is in flight at shutdown and sends nothing after', async () => {
    const hanging = await receiver(() => undefined);
    const slack = slackNotifier(new SlackSettings(hanging.url, 60_000, 0), clock);
    slack.notify('one');
    const started = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    await slack.onApplicationShutdown();
    expect(Date.now() - started).toBeLessThan(2000);
    slack.notify('two');
    await slack.idle();
    expect(hanging.received.map((p) => p.body.blocks[2].fields[0].text)).toEqual(['*Error:*\none']);
  });

  it('posts a bounded message for an error of megabytes, at once', async () => {
    const r = await receiver();
    const slack = slackNotifier(new SlackSettings(r.url), clock);
    const started = performance.now();
    slack.notify(
      new Error(`postgres://u:${'p'.repeat(5_000_000)}@h/db ${'<&>'.repeat(1_000_000)}`),
    );
    expect(performance.now() - started).toBeLessThan(200);
    await slack.idle();
    const text = r.received[0].body.blocks[2].fields[0].text as string;
    expect(text.length).toBeLessThan(2000);
    expect(text).not.toContain('ppp');
  });

  it('times out a hanging post even while garbage is collected', async () => {
    // Node 20 loses the timeout of an AbortSignal.any() signal once it is collected; a post
    // must end by its own timer whatever the collector does.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const hanging = await receiver(() => undefined);
    const slack = slackNotifier(new SlackSettings(hanging.url, 200, 0), clock);
    for (let i = 0; i < 8; i++) slack.notify(`hang ${'x'.repeat(i)}`);
    const collecting = setInterval(gc, 10);
    try {
      const ended = await Promise.race([
        slack.idle().then(() => true),
        new Promise((r) => setTimeout(() => r(false), 3000)),
      ]);
      expect(ended).toBe(true);
    } finally {
      clearInterval(collecting);
    }
  });
});
