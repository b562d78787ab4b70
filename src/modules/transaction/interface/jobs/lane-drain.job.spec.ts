import { tmpdir } from 'node:os';
import { queueSettingsFrom } from '../../../../app/background';
import { loadConfig } from '../../../../app/config/neraca-config';
import type { ErrorNotifier } from '../../../notification/application/ports/error-notifier';
import type { DrainLaneUseCase } from '../../application/queued/drain-lane.use-case';
import { WorkQueue } from '../../application/queued/ports/work-queue';
import { LaneDrainJob } from './lane-drain.job';

/** Records what the job asks of the queue, and drains through it on demand. */
class RecordingQueue extends WorkQueue {
  concurrency?: number;
  drain?: (lane: number) => Promise<void>;
  async signal(): Promise<void> {}
  async consume(drain: (lane: number) => Promise<void>, concurrency: number) {
    this.drain = drain;
    this.concurrency = concurrency;
    return async () => undefined;
  }
  async close(): Promise<void> {}
}

const settings = (env: Record<string, string>) =>
  queueSettingsFrom(loadConfig({ cwd: tmpdir(), env }));

describe('LaneDrainJob', () => {
  it('drains at most queue.transaction_worker_concurrency lanes at once (Blnk default 4)', async () => {
    expect(settings({}).drainConcurrency).toBe(4);
    const queue = new RecordingQueue();
    const drained: number[] = [];
    const drain = { execute: async (lane: number) => drained.push(lane) };
    const job = new LaneDrainJob(
      queue,
      drain as unknown as DrainLaneUseCase,
      { notify: () => undefined } as unknown as ErrorNotifier,
      settings({ BLNK_QUEUE_TRANSACTION_WORKER_CONCURRENCY: '2' }),
    );
    await job.start();
    expect(queue.concurrency).toBe(2);
    await queue.drain!(7);
    expect(drained).toEqual([7]);
  });

  it('refuses a concurrency below one at start-up', () => {
    expect(() => settings({ BLNK_QUEUE_TRANSACTION_WORKER_CONCURRENCY: '0' })).toThrow();
  });
});
