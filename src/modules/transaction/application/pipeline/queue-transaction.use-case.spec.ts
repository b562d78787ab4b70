import { fakeWorld } from '../../../../../test/support/fakes/world';
import { laneOf } from '../../domain/lane';
import type { RecordTransactionInput } from '../../domain/record-request';

const LANES = 4;

/** A balance id whose home lane is `lane`. */
function homedIn(lane: number, tag: string): string {
  for (let i = 0; ; i++) {
    const id = `bln_${tag}${i}`;
    if (laneOf(id, LANES) === lane) return id;
  }
}
const A = homedIn(1, 'a');
const B = homedIn(2, 'b');
const C = homedIn(3, 'c');

function setup(maxPending = 100000) {
  const w = fakeWorld({ settings: { lanes: LANES, maxPending } });
  for (const id of [A, B, C]) w.add(id);
  w.add('bln_eur', 0n, 'EUR');
  const { store, work, queue } = w;
  const accept = (input: RecordTransactionInput) => w.queued.accept(w.record.prepare(input));
  /** What nothing-written looks like. */
  const snapshot = () => ({
    rows: store.transactions.length,
    work: work.items.length,
    signals: queue.signals.length,
  });
  return Object.assign(w, { accept, snapshot });
}

const transfer = (over: Partial<RecordTransactionInput> = {}): RecordTransactionInput => ({
  preciseAmount: 100n,
  currency: 'USD',
  reference: 'ref',
  description: 'd',
  source: A,
  destination: B,
  ...over,
});

describe('QueueTransactionUseCase', () => {
  it("accepts a request as a QUEUED row and its work item, in the source's lane, then signals it", async () => {
    const s = setup();
    const { transaction } = await s.accept(
      transfer({ allowOverdraft: true, overdraftLimit: 5, metaData: { note: 'n' } }),
    );
    const id = transaction.transactionId;
    expect(s.store.transactions).toEqual([transaction]);
    expect(transaction).toMatchObject({
      status: 'QUEUED',
      reference: 'ref',
      source: A,
      destination: B,
      queuedParent: id,
      outcomeOf: null,
      // The request's flags are the row's engine columns; the metadata stays the client's.
      allowOverdraft: true,
      overdraftLimit: '5',
      inflight: false,
      metaData: { note: 'n' },
    });
    expect(s.work.items).toEqual([
      expect.objectContaining({
        workId: id,
        kind: 'transaction',
        transactionId: id,
        groupId: id,
        lane: 1,
        runAt: s.clock.now(),
        options: {},
        source: A,
        destination: B,
        sourceForeign: false,
        destinationForeign: true,
      }),
    ]);
    expect(s.queue.signals).toEqual([{ lane: 1, key: id, runAt: s.clock.now() }]);
  });

  it('a split is one group in the lane of its first source; a leg debiting another lane is marked foreign', async () => {
    const s = setup();
    const { transaction } = await s.accept(
      transfer({
        reference: 'split',
        source: undefined,
        sources: [
          { identifier: A, distribution: '50%' },
          { identifier: C, distribution: 'left' },
        ],
      }),
    );
    const legs = s.store.transactions;
    expect(legs.map((l) => [l.reference, l.source, l.parentTransaction, l.queuedParent])).toEqual([
      ['split_1', A, transaction.transactionId, transaction.transactionId],
      ['split_2', C, transaction.transactionId, transaction.transactionId],
    ]);
    expect(
      s.work.items.map((w) => [
        w.transactionId,
        w.groupId,
        w.lane,
        w.sourceForeign,
        w.destinationForeign,
      ]),
    ).toEqual([
      [legs[0].transactionId, transaction.transactionId, 1, false, true],
      [legs[1].transactionId, transaction.transactionId, 1, true, true],
    ]);
    expect(s.queue.signals).toHaveLength(1);
  });

  it('a scheduled request is SCHEDULED, its work and its signal due at that time', async () => {
    const s = setup();
    const at = '2030-01-01T00:00:00Z';
    const { transaction } = await s.accept(transfer({ scheduledFor: at }));
    expect(transaction).toMatchObject({ status: 'SCHEDULED', scheduledFor: new Date(at) });
    expect(s.work.items.map((w) => w.runAt)).toEqual([new Date(at)]);
    expect(s.queue.signals).toEqual([
      { lane: 1, key: transaction.transactionId, runAt: new Date(at) },
    ]);
  });

  it("a hold's expiry is work of its own, in the hold's lane, signalled for that time", async () => {
    const s = setup();
    const expiry = '2030-01-01T00:00:00Z';
    const { transaction } = await s.accept(
      transfer({ inflight: true, inflightExpiryDate: expiry }),
    );
    expect(transaction.inflight).toBe(true);
    const dated = s.work.items.find((w) => w.kind === 'void')!;
    expect(dated).toMatchObject({
      transactionId: transaction.transactionId,
      lane: 1,
      runAt: new Date(expiry),
      options: { scheduled: true },
    });
    expect(s.queue.signals).toContainEqual({ lane: 1, key: dated.workId, runAt: new Date(expiry) });
  });

  it('an atomic batch is one group in the lane of its first item', async () => {
    const s = setup();
    const items = [
      transfer({ reference: 'b-1' }),
      transfer({ reference: 'b-2', source: C, destination: A }),
    ];
    const rows = await s.queued.acceptAll(
      items.map((i) => s.record.prepare(i)),
      'bulk_1',
    );
    expect(rows.flat().map((r) => r.status)).toEqual(['QUEUED', 'QUEUED']);
    expect(
      s.work.items.map((w) => [w.groupId, w.lane, w.sourceForeign, w.destinationForeign]),
    ).toEqual([
      ['bulk_1', 1, false, true],
      ['bulk_1', 1, true, false],
    ]);
  });

  it('refuses a reference that is taken, or reserved as the outcome of a queued row, writing nothing', async () => {
    const s = setup();
    await s.accept(transfer({ reference: 'X' }));
    const before = s.snapshot();
    await expect(s.accept(transfer({ reference: 'X' }))).rejects.toMatchObject({
      code: 'TXN_DUPLICATE_REFERENCE',
      message: expect.stringContaining('reference X has already been used'),
    });
    // X's outcome will be X_q.
    await expect(s.accept(transfer({ reference: 'X_q' }))).rejects.toMatchObject({
      code: 'TXN_DUPLICATE_REFERENCE',
    });
    expect(s.snapshot()).toEqual(before);
  });

  it('refuses a request whose outcome reference is taken', async () => {
    const s = setup();
    await s.accept(transfer({ reference: 'Y_q' }));
    const before = s.snapshot();
    await expect(s.accept(transfer({ reference: 'Y' }))).rejects.toMatchObject({
      code: 'TXN_DUPLICATE_REFERENCE',
      message: expect.stringContaining('reference Y has already been used'),
    });
    // A split's legs are R_1…R_n: a leg's reference taken refuses the split.
    await s.accept(transfer({ reference: 'S_2' }));
    await expect(
      s.accept(
        transfer({
          reference: 'S',
          destination: undefined,
          destinations: [
            { identifier: B, distribution: '50%' },
            { identifier: C, distribution: 'left' },
          ],
        }),
      ),
    ).rejects.toMatchObject({ code: 'TXN_DUPLICATE_REFERENCE' });
    expect(s.snapshot()).toEqual({
      ...before,
      rows: before.rows + 1,
      work: before.work + 1,
      signals: before.signals + 1,
    });
  });

  it('refuses with back-pressure once too much work is waiting', async () => {
    const s = setup(2);
    await s.accept(transfer({ reference: 'p-1' }));
    await s.accept(transfer({ reference: 'p-2' }));
    const before = s.snapshot();
    await expect(s.accept(transfer({ reference: 'p-3' }))).rejects.toMatchObject({
      code: 'QUEUE_BACKPRESSURE',
    });
    expect(s.snapshot()).toEqual(before);
  });

  it('refuses an unknown balance and a currency mismatch at acceptance', async () => {
    const s = setup();
    await expect(s.accept(transfer({ destination: 'bln_nope' }))).rejects.toMatchObject({
      code: 'TXN_NOT_FOUND',
    });
    await expect(s.accept(transfer({ destination: 'bln_eur' }))).rejects.toMatchObject({
      code: 'TXN_VALIDATION_ERROR',
      message: expect.stringContaining('currency mismatch'),
    });
    expect(s.snapshot()).toEqual({ rows: 0, work: 0, signals: 0 });
  });
});
