import { Logger } from '@nestjs/common';
import { OperatorNotifier } from './operator-notifier';
import { Notice, NoticeChannel } from './ports/notice-channel';

class Recorder extends NoticeChannel {
  readonly sent: Notice[] = [];
  send(notice: Notice): Promise<void> {
    this.sent.push(notice);
    return Promise.resolve();
  }
}

describe('OperatorNotifier', () => {
  afterEach(() => jest.restoreAllMocks());

  it('logs every notice it admits, once per window like the channels', async () => {
    const logged: string[] = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((m: unknown) => {
      logged.push(String(m));
    });
    const channel = new Recorder();
    let now = 0;
    const n = new OperatorNotifier([channel], 60_000, () => now);
    n.notify(new Error('reconciliation run rec_1 failed: boom'), 'reconciliation');
    n.notify(new Error('reconciliation run rec_1 failed: boom'), 'reconciliation');
    await n.idle();
    expect(logged).toEqual(['reconciliation: reconciliation run rec_1 failed: boom']);
    expect(channel.sent.map((s) => s.text)).toEqual(logged);
    now = 61_000;
    n.notify(new Error('reconciliation run rec_1 failed: boom'), 'reconciliation');
    await n.idle();
    expect(logged).toHaveLength(2);
  });
});
