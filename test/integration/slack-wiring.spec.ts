import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startBackgroundWork } from '../../src/app/background';
import { loadConfig } from '../../src/app/config/neraca-config';
import { createHttpApp } from '../../src/app/http-app';
import { slackSettingsFrom } from '../../src/app/server';
import { AuthSettings } from '../../src/modules/auth/auth-settings';
import {
  ErrorNotifier,
  NoopErrorNotifier,
} from '../../src/modules/notification/application/ports/error-notifier';
import { SlackSettings } from '../../src/modules/notification/application/slack-settings';
import { OperatorNotifier } from '../../src/modules/notification/application/operator-notifier';
import { QueueSettings } from '../../src/modules/transaction/application/queued/queue-settings';
import { InProcessWorkQueue } from '../../src/modules/transaction/infrastructure/memory/in-process-work-queue';
import { createTestDatabase, openDataSource } from '../support/database';
import { waitFor } from '../support/wait';

describe('Slack notices from the background work', () => {
  it('reads notification.slack.* with their defaults', () => {
    const defaults = slackSettingsFrom(loadConfig({ cwd: '/nonexistent', env: {} }));
    expect(defaults).toEqual(new SlackSettings('', 5000, 60000));
    const set = slackSettingsFrom(
      loadConfig({
        cwd: '/nonexistent',
        env: {
          BLNK_SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/hook',
          NERACA_SLACK_TIMEOUT: '2s',
          NERACA_SLACK_RATE_LIMIT_WINDOW: '0s',
        },
      }),
    );
    expect(set).toEqual(new SlackSettings('http://127.0.0.1:9/hook', 2000, 0));
  });

  it('posts a failed sweep and a failed drain to Slack, once each per window', async () => {
    const posts: string[] = [];
    const receiver: Server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        posts.push(JSON.parse(text).blocks[2].fields[0].text);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const db = await createTestDatabase();
    const ds = await openDataSource(db);
    const workQueue = new InProcessWorkQueue();
    const app = await createHttpApp({
      dataSource: ds,
      auth: new AuthSettings(true, 'k'.repeat(40)),
      lanes: { inProcess: workQueue },
      queueSettings: new QueueSettings(2, 100, 1000, 50),
      slack: new SlackSettings(url, 2000, 60_000),
      bodyLimitMb: 1,
      logLevels: false,
    });
    const notifier = app.get(ErrorNotifier);
    expect(notifier).toBeInstanceOf(OperatorNotifier);
    const stop = await startBackgroundWork(app);
    try {
      // Every query of the background work fails from here on, the same way each time.
      await ds.query('ALTER TABLE queued_work RENAME TO queued_work_gone');
      await workQueue.signal(0, 'k0');
      await workQueue.signal(1, 'k1');
      await waitFor(
        async () =>
          posts.some((p) => p.includes('draining lane')) && posts.some((p) => p.includes('sweep'))
            ? true
            : undefined,
        10_000,
        'both notices',
      );
      await new Promise((r) => setTimeout(r, 400)); // several sweeps and drains more
      await workQueue.signal(0, 'k2');
      await (notifier as OperatorNotifier).idle();
      expect(posts.filter((p) => p.includes('sweep failed'))).toHaveLength(1);
      expect(posts.filter((p) => p.includes('draining lane'))).toHaveLength(1);
    } finally {
      await stop();
      await app.close();
      await workQueue.close();
      await db.drop();
      receiver.closeAllConnections();
      await new Promise((r) => receiver.close(r));
    }
  });

  it('binds the no-op notifier when no URL is configured', async () => {
    const db = await createTestDatabase();
    const ds = await openDataSource(db);
    const workQueue = new InProcessWorkQueue();
    const app = await createHttpApp({
      dataSource: ds,
      auth: new AuthSettings(true, 'k'.repeat(40)),
      lanes: { inProcess: workQueue },
      queueSettings: new QueueSettings(2, 100, 1000, 500),
      bodyLimitMb: 1,
      logLevels: false,
    });
    try {
      expect(app.get(ErrorNotifier)).toBeInstanceOf(NoopErrorNotifier);
    } finally {
      await app.close();
      await workQueue.close();
      await ds.destroy();
      await db.drop();
    }
  });
});
