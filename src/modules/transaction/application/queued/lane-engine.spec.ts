import { Logger } from '@nestjs/common';
import { fakeWorld } from '../../../../../test/support/fakes/world';
import { RecordingWorkQueue } from '../../../../../test/support/fakes/in-memory';
import { laneOf } from '../../domain/lane';
import { Wakeups } from './queued-engine';

describe('LaneEngine (the queued engine behind the pipeline port)', () => {
  const world = (settings = {}) => fakeWorld({ settings, balances: { bln_a: 1000n, bln_b: 0n } });

  it('refuses new queued work at max_pending, for refunds too (not only transfers)', async () => {
    const s = world({ maxPending: 1 });
    const t = await s.record.post(
      s.record.prepare({
        amount: 10,
        precision: 1,
        currency: 'USD',
        reference: 'r-1',
        description: 'x',
        source: 'bln_a',
        destination: 'bln_b',
        skipQueue: true,
      }),
    );
    await s.queued.accept(
      s.record.prepare({
        amount: 1,
        precision: 1,
        currency: 'USD',
        reference: 'q-1',
        description: 'x',
        source: 'bln_a',
        destination: 'bln_b',
      }),
    );
    await expect(s.refunds.enqueue({ id: t.transaction.transactionId })).rejects.toMatchObject({
      code: 'QUEUE_BACKPRESSURE',
    });
    expect(s.store.transactions.filter((r) => r.refundOf)).toEqual([]);
  });

  it('wakes a lane once for everything due now, and dated work at its own time', async () => {
    const s = world();
    const now = s.clock.now();
    const later = new Date(now.getTime() + 60_000);
    await s.engine.wake(
      new Wakeups([
        { lane: 1, key: 'a', runAt: now },
        { lane: 1, key: 'b', runAt: now },
        { lane: 2, key: 'c', runAt: now },
        { lane: 1, key: 'd', runAt: later },
      ]),
    );
    expect(s.queue.signals).toEqual([
      { lane: 1, key: 'a', runAt: now },
      { lane: 2, key: 'c', runAt: now },
      { lane: 1, key: 'd', runAt: later },
    ]);
  });

  it('a failed wake-up is logged, never thrown (the work is in the database; the sweep finds it)', async () => {
    const s = world();
    jest.spyOn(s.queue, 'signal').mockRejectedValue(new Error('redis down'));
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await expect(
      s.engine.wake(new Wakeups([{ lane: 3, key: 'x', runAt: s.clock.now() }])),
    ).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('could not signal lane 3'));
    warn.mockRestore();
  });

  it('reserves queued debits only with enable_queued_checks', async () => {
    const off = world();
    await off.uow.run(async (tx) => {
      expect(await off.engine.reservedDebits(tx, ['bln_a'])).toBeUndefined();
    });
    const on = world({ queuedChecks: true });
    await on.queued.accept(
      on.record.prepare({
        amount: 3,
        precision: 1,
        currency: 'USD',
        reference: 'q-2',
        description: 'x',
        source: 'bln_a',
        destination: 'bln_b',
      }),
    );
    await on.uow.run(async (tx) => {
      expect((await on.engine.reservedDebits(tx, ['bln_a']))?.get('bln_a')).toBe(3n);
    });
  });

  it("puts a queued commit in the lane of the hold's source, recording the balances it credits", async () => {
    const s = world({ lanes: 7 });
    const wake = await s.uow.run((tx) =>
      s.engine.acceptSettlement(tx, {
        action: 'commit',
        holdId: 'txn_h',
        source: 'bln_a',
        credits: ['bln_b'],
        options: {},
      }),
    );
    const lane = laneOf('bln_a', 7);
    expect(s.work.items).toEqual([
      expect.objectContaining({ kind: 'commit', transactionId: 'txn_h', lane, credits: ['bln_b'] }),
    ]);
    expect(wake.signals).toEqual([{ lane, key: s.work.items[0].workId, runAt: s.clock.now() }]);
    expect(s.queue).toBeInstanceOf(RecordingWorkQueue);
  });
});
