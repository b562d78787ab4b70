import { Logger } from '@nestjs/common';
import type { Tx } from '@libs/core/unit-of-work';
import { MemoryTransactionRepository } from '../../../../../test/support/fakes/in-memory';
import { fakeWorld } from '../../../../../test/support/fakes/world';
import { laneOf } from '../../domain/lane';
import type { RecordTransactionInput } from '../../domain/record-request';
import type { Transaction } from '../../domain/transaction';

/** A store that fails (as a database would, not as a refusal) to write chosen outcomes. */
class FailingTransactions extends MemoryTransactionRepository {
  /** References of outcome rows whose write fails, unless the outcome is a rejection. */
  failing = new Set<string>();
  override async insert(tx: Tx, rows: Transaction[]): Promise<void> {
    if (rows.some((r) => this.failing.has(r.reference) && r.status !== 'REJECTED'))
      throw new Error('could not write: disk full');
    return super.insert(tx, rows);
  }
}

function setup(settings: { lanes?: number; maxAttempts?: number } = {}) {
  const w = fakeWorld({
    settings: { lanes: settings.lanes ?? 1, maxAttempts: settings.maxAttempts ?? 5 },
    transactions: (store) => new FailingTransactions(store),
  });
  const { store } = w;
  const submit = async (input: RecordTransactionInput) =>
    (await w.queued.accept(w.record.prepare(input))).transaction;
  const outcome = (reference: string) =>
    store.transactions.find((t) => t.reference === `${reference}_q`);
  return Object.assign(w, { submit, outcome });
}

const transfer = (over: Partial<RecordTransactionInput> = {}): RecordTransactionInput => ({
  preciseAmount: 100n,
  currency: 'USD',
  reference: 'ref',
  description: 'd',
  source: 'bln_a',
  destination: 'bln_b',
  ...over,
});

/** A balance id whose home lane (of `lanes`) is `lane`. */
function homedIn(lane: number, lanes: number, tag: string): string {
  for (let i = 0; ; i++) {
    const id = `bln_${tag}${i}`;
    if (laneOf(id, lanes) === lane) return id;
  }
}

const INSUFFICIENT =
  'failed to apply transaction to balances: insufficient funds in source balance';

let errors: jest.SpyInstance;
beforeEach(() => {
  errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
});
afterEach(() => jest.restoreAllMocks());

describe('DrainLaneUseCase', () => {
  it('applies each group all or none: a refused leg rejects every leg, with the reason', async () => {
    const s = setup();
    s.add('bln_a', 150n);
    s.add('bln_b');
    s.add('bln_c');
    s.add('bln_d');
    await s.submit(
      transfer({
        reference: 'split',
        preciseAmount: 200n,
        destination: undefined,
        destinations: [
          { identifier: 'bln_b', distribution: '50%' },
          { identifier: 'bln_c', distribution: 'left' },
        ],
      }),
    );
    await s.submit(transfer({ reference: 'after', destination: 'bln_d' }));
    await s.submit(transfer({ reference: 'whole', preciseAmount: 50n, destination: 'bln_c' }));

    expect(await s.drain.execute(0)).toBe(4);

    for (const leg of ['split_1', 'split_2']) {
      expect(s.outcome(leg)).toMatchObject({ status: 'REJECTED', rejectionReason: INSUFFICIENT });
    }
    // The first leg alone had the funds: it was undone with the second, and the lane went on.
    expect(s.outcome('after')).toMatchObject({ status: 'APPLIED', rejectionReason: null });
    expect(s.outcome('whole')).toMatchObject({ status: 'APPLIED' });
    expect(['bln_a', 'bln_b', 'bln_c', 'bln_d'].map(s.balance)).toEqual([0n, 0n, 50n, 100n]);
    expect(s.work.items).toEqual([]);
  });

  it('applies a split whose legs all have the funds, each outcome from its queued row', async () => {
    const s = setup();
    s.add('bln_a', 200n);
    s.add('bln_b');
    s.add('bln_c');
    const split = await s.submit(
      transfer({
        reference: 'split',
        preciseAmount: 200n,
        destination: undefined,
        destinations: [
          { identifier: 'bln_b', distribution: '50%' },
          { identifier: 'bln_c', distribution: 'left' },
        ],
      }),
    );
    expect(await s.drain.execute(0)).toBe(2);
    const legs = s.store.transactions.filter((t) => t.status === 'QUEUED');
    for (const leg of legs) {
      expect(s.outcome(leg.reference)).toMatchObject({
        status: 'APPLIED',
        outcomeOf: leg.transactionId,
        parentTransaction: leg.transactionId,
        queuedParent: split.transactionId,
      });
    }
    expect(['bln_a', 'bln_b', 'bln_c'].map(s.balance)).toEqual([0n, 100n, 100n]);
  });

  it("applies with the queued row's overdraft column", async () => {
    const s = setup();
    s.add('bln_a');
    s.add('bln_b');
    s.add('bln_c');
    await s.submit(transfer({ reference: 'over', allowOverdraft: true }));
    await s.submit(transfer({ reference: 'plain', source: 'bln_c' }));
    await s.drain.execute(0);
    expect(s.outcome('over')).toMatchObject({ status: 'APPLIED', allowOverdraft: true });
    expect(s.outcome('plain')).toMatchObject({ status: 'REJECTED', rejectionReason: INSUFFICIENT });
    expect(['bln_a', 'bln_b', 'bln_c'].map(s.balance)).toEqual([-100n, 100n, 0n]);
  });

  it('retries a group that fails, logs each failure, rejects it after maxAttempts, and moves on', async () => {
    const s = setup({ maxAttempts: 3 });
    s.add('bln_a', 100n);
    s.add('bln_b');
    s.add('bln_c', 100n);
    s.add('bln_d');
    const bad = await s.submit(transfer({ reference: 'bad' }));
    await s.submit(transfer({ reference: 'good', source: 'bln_c', destination: 'bln_d' }));
    s.transactions.failing.add('bad_q');

    for (const attempt of [1, 2]) {
      expect(await s.drain.execute(0)).toBe(0);
      expect(s.work.items.map((w) => [w.transactionId, w.attempts])).toEqual([
        [bad.transactionId, attempt],
        [expect.any(String), 0],
      ]);
      expect(s.work.items[0].lastError).toBe('could not write: disk full');
      // Nothing was applied: the whole batch, then the head group alone, were rolled back.
      expect(s.store.transactions.filter((t) => t.outcomeOf)).toEqual([]);
      expect(s.queue.signals.at(-1)).toMatchObject({
        lane: 0,
        key: expect.stringMatching(/^wake:0:/),
        runAt: expect.any(Date),
      });
      expect(errors).toHaveBeenCalledWith(
        expect.stringContaining(
          `transaction ${bad.transactionId} (group ${bad.transactionId}) failed (attempt ${attempt} of 3): could not write: disk full`,
        ),
      );
    }

    expect(await s.drain.execute(0)).toBe(2);
    expect(s.outcome('bad')).toMatchObject({
      status: 'REJECTED',
      rejectionReason: 'failed 3 times: could not write: disk full',
    });
    expect(s.outcome('good')?.status).toBe('APPLIED');
    expect(['bln_a', 'bln_b', 'bln_c', 'bln_d'].map(s.balance)).toEqual([100n, 0n, 0n, 100n]);
    expect(s.work.items).toEqual([]);
  });

  it('a lane whose head must wait for another lane applies nothing and asks to be woken', async () => {
    const s = setup({ lanes: 2 });
    const x = homedIn(0, 2, 'x');
    const y = homedIn(1, 2, 'y');
    s.add(x);
    s.add(y, 100n);
    s.add('bln_z');
    // Fund x from lane 1, then spend it from x's own lane 0.
    await s.submit(transfer({ reference: 'fund', source: y, destination: x }));
    await s.submit(transfer({ reference: 'spend', source: x, destination: 'bln_z' }));
    const wakeAt = new Date(s.clock.now().getTime() + 25);
    s.queue.signals = [];

    expect(await s.drain.execute(0)).toBe(0);
    expect(s.outcome('spend')).toBeUndefined();
    expect(s.queue.signals).toEqual([
      { lane: 0, key: `wake:0:${wakeAt.getTime()}`, runAt: wakeAt },
    ]);

    expect(await s.drain.execute(1)).toBe(1);
    expect(await s.drain.execute(0)).toBe(1);
    expect(s.outcome('fund')?.status).toBe('APPLIED');
    expect(s.outcome('spend')?.status).toBe('APPLIED');
    expect([x, y, 'bln_z'].map(s.balance)).toEqual([0n, 0n, 100n]);
  });

  it('a queued commit waits for the hold before it, then settles it in the same drain', async () => {
    const s = setup();
    s.add('bln_a', 100n);
    s.add('bln_b');
    const hold = await s.submit(transfer({ reference: 'hold', inflight: true }));
    await s.inflight.enqueue({ id: hold.transactionId, status: 'commit' });

    expect(await s.drain.execute(0)).toBe(2);
    const applied = s.outcome('hold')!;
    expect(applied.status).toBe('INFLIGHT');
    const commit = s.store.transactions.find((t) => t.settles === applied.transactionId);
    expect(commit).toMatchObject({ status: 'APPLIED', preciseAmount: 100n });
    expect(s.store.balances.get('bln_a')).toMatchObject({ balance: 0n, inflightBalance: 0n });
    expect(s.store.balances.get('bln_b')).toMatchObject({ balance: 100n, inflightBalance: 0n });
    expect(s.work.items).toEqual([]);
  });

  it('a queued commit of a hold scheduled for later waits until the hold is due, not in a loop', async () => {
    const s = setup();
    s.add('bln_a', 100n);
    s.add('bln_b');
    const due = new Date(s.clock.now().getTime() + 86_400_000);
    const hold = await s.submit(
      transfer({ reference: 'later', inflight: true, scheduledFor: due.toISOString() }),
    );
    await s.inflight.enqueue({ id: hold.transactionId, status: 'commit' });

    expect(await s.drain.execute(0)).toBe(1);
    const commit = s.work.items.find((w) => w.kind === 'commit')!;
    expect(commit.runAt).toEqual(due);
    expect(s.queue.signals.at(-1)).toMatchObject({ lane: 0, runAt: due });
    expect(s.store.transactions.filter((t) => t.settles)).toEqual([]);
  });

  it('a queued commit refused when its turn comes (the hold was voided) is dropped', async () => {
    const s = setup();
    s.add('bln_a', 100n);
    s.add('bln_b');
    const hold = await s.submit(transfer({ reference: 'hold', inflight: true }));
    await s.drain.execute(0);
    await s.inflight.enqueue({ id: hold.transactionId, status: 'commit' });
    await s.inflight.execute({ id: hold.transactionId, status: 'void' });

    expect(await s.drain.execute(0)).toBe(1);
    const settled = s.store.transactions.filter((t) => t.settles);
    expect(settled.map((t) => t.status)).toEqual(['VOID']);
    expect(s.balance('bln_b')).toBe(0n);
    expect(s.work.items).toEqual([]);
  });

  it('an empty lane: nothing to do, no wake-up', async () => {
    const s = setup();
    expect(await s.drain.execute(0)).toBe(0);
    expect(s.queue.signals).toEqual([]);
  });
});
