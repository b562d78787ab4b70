import { Clock } from '@libs/core/clock';
import { ErrorNotifier } from '../../../notification/application/ports/error-notifier';
import type { BalanceSnapshotsUseCase } from '../../application/balance-history.use-cases';
import { SnapshotSchedule } from '../../application/snapshot-schedule';
import { BalanceSnapshotJob } from './balance-snapshot.job';

class TimerClock extends Clock {
  now(): Date {
    return new Date(Date.now()); // jest's fake timers move it
  }
}

class RecordingNotifier extends ErrorNotifier {
  readonly notices: string[] = [];
  notify(_e: unknown, context?: string): void {
    this.notices.push(context ?? '');
  }
}

describe('BalanceSnapshotJob (the daily schedule)', () => {
  let runs: Date[];
  let fail: boolean;
  const snapshots = {
    run: jest.fn(async () => {
      runs.push(new Date(Date.now()));
      if (fail) throw new Error('database gone');
      return 3;
    }),
  } as unknown as BalanceSnapshotsUseCase;
  const job = (schedule: SnapshotSchedule, notifier = new RecordingNotifier()) =>
    new BalanceSnapshotJob(snapshots, new TimerClock(), notifier, schedule);

  beforeEach(() => {
    jest.useFakeTimers();
    runs = [];
    fail = false;
  });
  afterEach(() => jest.useRealTimers());

  it('does nothing when switched off', async () => {
    jest.setSystemTime(new Date('2026-03-04T12:00:00Z'));
    const stop = await job(new SnapshotSchedule(false, 5)).start();
    await jest.advanceTimersByTimeAsync(3 * 86_400_000);
    await stop();
    expect(runs).toEqual([]);
  });

  it('runs at the time of day, every day', async () => {
    jest.setSystemTime(new Date('2026-03-04T00:00:00Z'));
    const stop = await job(new SnapshotSchedule(true, 5)).start();
    await jest.advanceTimersByTimeAsync(4 * 60_000);
    expect(runs).toEqual([]);
    await jest.advanceTimersByTimeAsync(2 * 86_400_000 + 60_000);
    await stop();
    expect(runs.map((d) => d.toISOString())).toEqual([
      '2026-03-04T00:05:00.000Z',
      '2026-03-05T00:05:00.000Z',
      '2026-03-06T00:05:00.000Z',
    ]);
  });

  it('catches up at start when the time has passed today, then keeps the schedule', async () => {
    jest.setSystemTime(new Date('2026-03-04T12:00:00Z'));
    const stop = await job(new SnapshotSchedule(true, 5)).start();
    await jest.advanceTimersByTimeAsync(86_400_000);
    await stop();
    expect(runs.map((d) => d.toISOString())).toEqual([
      '2026-03-04T12:00:00.000Z',
      '2026-03-05T00:05:00.000Z',
    ]);
  });

  it('reports a failed run and still runs the next day', async () => {
    jest.setSystemTime(new Date('2026-03-04T12:00:00Z'));
    fail = true;
    const notifier = new RecordingNotifier();
    const stop = await job(new SnapshotSchedule(true, 5), notifier).start();
    await jest.advanceTimersByTimeAsync(86_400_000);
    await stop();
    expect(runs).toHaveLength(2);
    expect(notifier.notices).toEqual(['balance snapshots failed', 'balance snapshots failed']);
  });

  it('stops without another run', async () => {
    jest.setSystemTime(new Date('2026-03-04T00:00:00Z'));
    const stop = await job(new SnapshotSchedule(true, 5)).start();
    await stop();
    await jest.advanceTimersByTimeAsync(86_400_000);
    expect(runs).toEqual([]);
  });
});
