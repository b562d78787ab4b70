import type { Tx } from '@libs/core/unit-of-work';
import { MemoryQueuedWork } from '../../../../../test/support/fakes/in-memory';
import { fakeWorld } from '../../../../../test/support/fakes/world';
import { laneOf } from '../../domain/lane';

/** Queued debits not applied yet, per balance, as `enable_queued_checks` sees them. */
class ReservingQueuedWork extends MemoryQueuedWork {
  debits = new Map<string, bigint>();
  override async queuedDebits(_tx?: Tx, ids: string[] = []): Promise<Map<string, bigint>> {
    return new Map([...this.debits].filter(([id]) => ids.includes(id)));
  }
}

function setup(queuedChecks = false) {
  return fakeWorld({
    settings: { lanes: 4, queuedChecks },
    work: () => new ReservingQueuedWork(),
  });
}

const item = (over: Record<string, unknown> = {}) => ({
  preciseAmount: 100n,
  currency: 'USD',
  reference: 'ref',
  description: 'd',
  source: 'bln_a',
  destination: 'bln_b',
  ...over,
});
const splitItem = (over: Record<string, unknown> = {}) =>
  item({
    destination: undefined,
    destinations: [
      { identifier: 'bln_b', distribution: '50%' },
      { identifier: 'bln_c', distribution: 'left' },
    ],
    ...over,
  });

describe('BulkTransactionsUseCase (skip_queue): hold dates', () => {
  for (const atomic of [false, true]) {
    it(`writes each hold's expiry / commit date as work, then signals it (atomic: ${atomic})`, async () => {
      const { store, work, queue, bulk, add, clock } = setup();
      add('bln_a', 1000n);
      add('bln_b');
      add('bln_c');
      const expiry = new Date(clock.now().getTime() + 60000);
      const commitAt = new Date(clock.now().getTime() + 30000);
      await bulk.execute({
        skipQueue: true,
        atomic,
        inflight: true,
        items: [
          item({ reference: 'h-1', inflightExpiryDate: expiry.toISOString() }),
          splitItem({ reference: 'h-2', inflightCommitDate: commitAt.toISOString() }),
          item({ reference: 'h-3' }),
        ],
      });
      const rows = store.transactions;
      expect(rows.map((r) => r.status)).toEqual(['INFLIGHT', 'INFLIGHT', 'INFLIGHT', 'INFLIGHT']);
      const single = rows.find((r) => r.reference === 'h-1')!;
      const splitId = rows.find((r) => r.reference === 'h-2-1')!.parentTransaction;
      const lane = laneOf('bln_a', 4);
      // The void targets the row; the commit the split's parent, whose legs carry it.
      expect(work.items.map((w) => [w.kind, w.transactionId, w.lane, w.runAt])).toEqual([
        ['void', single.transactionId, lane, expiry],
        ['commit', splitId, lane, commitAt],
      ]);
      expect(work.items.every((w) => w.options.scheduled)).toBe(true);
      expect(queue.signals).toEqual(
        work.items.map((w) => ({ lane, key: w.workId, runAt: w.runAt })),
      );
    });
  }

  it('not atomic: the dates of items applied before a refused one stay, and are signalled', async () => {
    const { work, queue, bulk, add, clock } = setup();
    add('bln_a', 150n);
    add('bln_b');
    const expiry = new Date(clock.now().getTime() + 60000).toISOString();
    await expect(
      bulk.execute({
        skipQueue: true,
        inflight: true,
        items: [
          item({ reference: 'k-1', inflightExpiryDate: expiry }),
          item({ reference: 'k-2', inflightExpiryDate: expiry }),
        ],
      }),
    ).rejects.toMatchObject({ code: 'TXN_INSUFFICIENT_FUNDS', details: { index: 1 } });
    expect(work.items).toHaveLength(1);
    expect(queue.signals).toHaveLength(1);
  });

  it('atomic: a refused item leaves no work behind', async () => {
    const { work, queue, bulk, add, clock } = setup();
    add('bln_a', 150n);
    add('bln_b');
    const expiry = new Date(clock.now().getTime() + 60000).toISOString();
    await expect(
      bulk.execute({
        skipQueue: true,
        atomic: true,
        inflight: true,
        items: [
          item({ reference: 'k-1', inflightExpiryDate: expiry }),
          item({ reference: 'k-2', inflightExpiryDate: expiry }),
        ],
      }),
    ).rejects.toMatchObject({ code: 'TXN_INSUFFICIENT_FUNDS' });
    expect(work.items).toHaveLength(0);
    expect(queue.signals).toHaveLength(0);
  });
});

describe('BulkTransactionsUseCase (skip_queue): scheduled items', () => {
  for (const atomic of [false, true]) {
    it(`refuses the batch, naming the scheduled item, before applying any (atomic: ${atomic})`, async () => {
      const { store, bulk, add } = setup();
      add('bln_a', 1000n);
      add('bln_b');
      const error = await bulk
        .execute({
          skipQueue: true,
          atomic,
          items: [
            item({ reference: 's-1' }),
            item({ reference: 's-2', scheduledFor: '2030-01-01T00:00:00Z' }),
          ],
        })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'TXN_VALIDATION_ERROR',
        details: { index: 1 },
        message:
          'failed to queue transaction 2 (Reference: s-2, Source: bln_a, Destination: bln_b, Amount: 100): ' +
          'scheduled_for: cannot be combined with skip_queue: a scheduled transaction is queued. ' +
          'No transaction in this batch was applied.',
      });
      expect(store.transactions).toHaveLength(0);
      expect(store.balances.get('bln_a')!.balance).toBe(1000n);
    });
  }

  it('the dry run of such a batch is refused the same way; with run_async it is not', async () => {
    const { bulk, add } = setup();
    add('bln_a', 1000n);
    add('bln_b');
    const items = [
      item({ reference: 's-4' }),
      item({ reference: 's-5', scheduledFor: '2030-01-01T00:00:00Z' }),
    ];
    await expect(bulk.preview({ skipQueue: true, items })).rejects.toMatchObject({
      code: 'TXN_VALIDATION_ERROR',
      details: { index: 1 },
    });
    const queued = await bulk.preview({ skipQueue: true, runAsync: true, items });
    expect(queued.results.map((r) => r.wouldApply)).toEqual([true, true]);
  });

  it('run_async queues the batch, so a schedule is kept there', async () => {
    const { store, bulk, add } = setup();
    add('bln_a', 1000n);
    add('bln_b');
    await bulk.execute({
      skipQueue: true,
      runAsync: true,
      items: [item({ reference: 's-3', scheduledFor: '2030-01-01T00:00:00Z' })],
    });
    expect(store.transactions.map((r) => r.status)).toEqual(['SCHEDULED']);
  });
});

describe('enable_queued_checks: synchronous bulk and dry runs honour queued debits', () => {
  for (const atomic of [false, true]) {
    it(`a skip_queue bulk leaves queued debits covered (atomic: ${atomic})`, async () => {
      const { store, work, bulk, add } = setup(true);
      add('bln_a', 100n);
      add('bln_b');
      work.debits.set('bln_a', 80n);
      await expect(
        bulk.execute({
          skipQueue: true,
          atomic,
          items: [
            item({ reference: 'c-1', preciseAmount: 15n }),
            item({ reference: 'c-2', preciseAmount: 15n }),
          ],
        }),
      ).rejects.toMatchObject({ code: 'TXN_INSUFFICIENT_FUNDS', details: { index: 1 } });
      expect(store.balances.get('bln_a')!.balance).toBe(atomic ? 100n : 85n);
    });
  }

  it('without the setting, queued debits do not bind', async () => {
    const { store, work, bulk, add } = setup(false);
    add('bln_a', 100n);
    add('bln_b');
    work.debits.set('bln_a', 80n);
    await bulk.execute({
      skipQueue: true,
      items: [item({ reference: 'c-3', preciseAmount: 90n })],
    });
    expect(store.balances.get('bln_a')!.balance).toBe(10n);
  });

  it('the bulk dry run projects them for a skip_queue batch, not for a queued one', async () => {
    const { work, bulk, add } = setup(true);
    add('bln_a', 100n);
    add('bln_b');
    work.debits.set('bln_a', 80n);
    const items = [
      item({ reference: 'p-1', preciseAmount: 15n }),
      item({ reference: 'p-2', preciseAmount: 15n }),
    ];
    const now = await bulk.preview({ skipQueue: true, items });
    expect(now.results.map((r) => r.wouldApply)).toEqual([true, false]);
    expect(now.results[1].rejection).toMatchObject({ code: 'TXN_INSUFFICIENT_FUNDS' });
    const queued = await bulk.preview({ items });
    expect(queued.results.map((r) => r.wouldApply)).toEqual([true, true]);
  });

  it('the dry run of a single skip_queue request says what the request would get', async () => {
    const { work, record, add } = setup(true);
    add('bln_a', 100n);
    add('bln_b');
    work.debits.set('bln_a', 80n);
    const refused = await record.preview(item({ preciseAmount: 30n, skipQueue: true }));
    expect(refused).toMatchObject({
      wouldApply: false,
      rejection: { code: 'TXN_INSUFFICIENT_FUNDS' },
    });
    expect(await record.preview(item({ preciseAmount: 20n, skipQueue: true }))).toMatchObject({
      wouldApply: true,
    });
    // Queued, it is applied after the queued debits: they do not bind it.
    expect(await record.preview(item({ preciseAmount: 30n }))).toMatchObject({ wouldApply: true });
  });
});

describe('BulkTransactionsUseCase (queued): the index of a duplicate reference', () => {
  const refused = async (items: Record<string, unknown>[], index: number, before?: string) => {
    const { store, bulk, add } = setup();
    add('bln_a', 1000n);
    add('bln_b');
    add('bln_c');
    if (before) await bulk.execute({ items: [item({ reference: before })] });
    const count = store.transactions.length;
    const error = await bulk.execute({ items }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TXN_DUPLICATE_REFERENCE', details: { index } });
    expect((error as Error).message).toMatch(
      new RegExp(`^failed to queue transaction ${index + 1} `),
    );
    expect(store.transactions).toHaveLength(count);
  };

  it('two items with one reference: the later', () =>
    refused(
      [item({ reference: 'd-1' }), item({ reference: 'd-2' }), item({ reference: 'd-1' })],
      2,
    ));

  it('X then X_q (the outcome reference of X): the later', () =>
    refused([item({ reference: 'd-3' }), item({ reference: 'd-3_q' })], 1));

  it('X_q then X: the later', () =>
    refused([item({ reference: 'd-4_q' }), item({ reference: 'd-4' })], 1));

  it('an item named like a later split leg (R_1): the split', () =>
    refused([item({ reference: 'd-5_1' }), splitItem({ reference: 'd-5' })], 1));

  it('a reference taken before: the item that uses it', () =>
    refused([item({ reference: 'd-6' }), item({ reference: 'd-7_q' })], 1, 'd-7'));
});
