import type { Tx } from '@libs/core/unit-of-work';
import {
  FixedClock,
  MemoryQueuedWork,
  MemoryStore,
  RecordingWorkQueue,
} from '../../../../../test/support/fakes/in-memory';
import type { NewWorkItem } from './ports/queued-work.repository';
import { QueueRecoveryUseCase } from './queue-recovery.use-case';

const MINUTE = 60_000;

function setup() {
  const clock = new FixedClock();
  // The fake stamps each item's created_at from this clock, as the database does with now().
  const work = new MemoryQueuedWork(new MemoryStore(), clock);
  const queue = new RecordingWorkQueue();
  const recovery = new QueueRecoveryUseCase(work, queue, clock);
  let n = 0;
  /** Writes a work item in `lane`, due `dueInMs` from now. */
  const write = (lane: number, dueInMs = 0) => {
    const id = `act_${++n}`;
    const item: NewWorkItem = {
      workId: id,
      kind: n % 2 ? 'transaction' : 'commit',
      transactionId: `txn_${n}`,
      groupId: id,
      lane,
      runAt: new Date(clock.now().getTime() + dueInMs),
      options: {},
    };
    return work.insert({} as Tx, [item]);
  };
  const later = (ms: number) => (clock.current = new Date(clock.current.getTime() + ms));
  return { clock, queue, recovery, write, later };
}

describe('QueueRecoveryUseCase', () => {
  it('recover: signals each lane holding due work older than the threshold, and counts it', async () => {
    const s = setup();
    await s.write(1);
    await s.write(1);
    await s.write(3);
    await s.write(2, 60 * MINUTE); // not due yet
    s.later(10 * MINUTE);
    await s.write(0); // due, but too recent
    const now = s.clock.now().getTime();

    expect(await s.recovery.recover(5 * MINUTE)).toBe(3);
    expect(s.queue.signals).toEqual([
      { lane: 1, key: `recover:1:${now}`, runAt: undefined },
      { lane: 3, key: `recover:3:${now}`, runAt: undefined },
    ]);
  });

  it('recover with no threshold re-drives everything due', async () => {
    const s = setup();
    await s.write(2);
    expect(await s.recovery.recover(0)).toBe(1);
    expect(s.queue.signals.map((x) => x.lane)).toEqual([2]);
  });

  it('sweep: signals every lane with due work, whatever its age, once a second', async () => {
    const s = setup();
    await s.write(1);
    await s.write(1);
    await s.write(3);
    await s.write(2, 60 * MINUTE);
    const second = Math.floor(s.clock.now().getTime() / 1000);

    expect(await s.recovery.sweep()).toBe(2);
    expect(s.queue.signals).toEqual([
      { lane: 1, key: `sweep:1:${second}`, runAt: undefined },
      { lane: 3, key: `sweep:3:${second}`, runAt: undefined },
    ]);
    s.later(60 * MINUTE);
    s.queue.signals = [];
    expect(await s.recovery.sweep()).toBe(3);
    expect(s.queue.signals.map((x) => x.lane)).toEqual([1, 2, 3]);
  });

  it('nothing due: nothing signalled', async () => {
    const s = setup();
    await s.write(1, MINUTE);
    expect(await s.recovery.recover(0)).toBe(0);
    expect(await s.recovery.sweep()).toBe(0);
    expect(s.queue.signals).toEqual([]);
  });
});
