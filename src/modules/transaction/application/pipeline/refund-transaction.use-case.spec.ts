import { fakeWorld } from '../../../../../test/support/fakes/world';
import { laneOf } from '../../domain/lane';
import type { RecordTransactionInput } from '../../domain/record-request';

const LANES = 4;

function setup() {
  const w = fakeWorld({
    settings: { lanes: LANES },
    balances: { bln_a: 1000n, bln_b: 0n, bln_c: 0n },
  });
  /** An applied transfer (skip_queue), as the synchronous path writes it. */
  const post = async (over: Partial<RecordTransactionInput> = {}) =>
    (
      await w.record.post(
        w.record.prepare({
          preciseAmount: 100n,
          currency: 'USD',
          reference: 'pay',
          description: 'd',
          source: 'bln_a',
          destination: 'bln_b',
          skipQueue: true,
          ...over,
        }),
      )
    ).transaction;
  return Object.assign(w, { post });
}

const refusal = (code: string, text: string) => ({
  code,
  message: expect.stringContaining(text),
});

describe('RefundTransactionUseCase (skip_queue)', () => {
  it('reverses an APPLIED row with a row of its own: swapped sides, refund_of, overdraft allowed', async () => {
    const s = setup();
    const t = await s.post();
    // The money was spent: the refund takes it back all the same.
    await s.post({ reference: 'spent', source: 'bln_b', destination: 'bln_c' });
    const [refund] = await s.refunds.execute({ id: t.transactionId, metaData: { why: 'x' } });
    expect(refund).toMatchObject({
      status: 'APPLIED',
      source: 'bln_b',
      destination: 'bln_a',
      preciseAmount: 100n,
      reference: `${t.transactionId}_refund`,
      refundOf: t.transactionId,
      parentTransaction: t.transactionId,
      allowOverdraft: true,
      metaData: { why: 'x' },
    });
    expect(s.store.transactions).toContainEqual(refund);
    expect(['bln_a', 'bln_b', 'bln_c'].map(s.balance)).toEqual([1000n, -100n, 100n]);
  });

  it('refuses a second refund of the same row, by either path', async () => {
    const s = setup();
    const t = await s.post();
    await s.refunds.execute({ id: t.transactionId });
    const rows = s.store.transactions.length;
    const already = refusal(
      'GEN_CONFLICT',
      `transaction ${t.transactionId} has already been refunded`,
    );
    await expect(s.refunds.execute({ id: t.transactionId })).rejects.toMatchObject(already);
    await expect(s.refunds.enqueue({ id: t.transactionId })).rejects.toMatchObject(already);
    expect(s.store.transactions).toHaveLength(rows);
    expect(s.balance('bln_a')).toBe(1000n);
  });

  it('refunds every leg of a split by the split id, in id order', async () => {
    const s = setup();
    const split = await s.post({
      reference: 'split',
      destination: undefined,
      destinations: [
        { identifier: 'bln_b', distribution: '50%' },
        { identifier: 'bln_c', distribution: 'left' },
      ],
    });
    const refunds = await s.refunds.execute({ id: split.transactionId });
    const legs = s.store.transactions.filter((t) => t.parentTransaction === split.transactionId);
    expect(refunds.map((r) => r.refundOf)).toEqual(
      legs
        .filter((l) => l.refundOf === null)
        .map((l) => l.transactionId)
        .sort(),
    );
    expect(['bln_a', 'bln_b', 'bln_c'].map(s.balance)).toEqual([1000n, 0n, 0n]);
  });

  it('a row whose client reference ends in _refund is an ordinary, refundable row', async () => {
    const s = setup();
    const t = await s.post({ reference: 'order-7_refund' });
    const [refund] = await s.refunds.execute({ id: t.transactionId });
    expect(refund.refundOf).toBe(t.transactionId);
  });

  it('a client row that took the reference <id>_refund does not block the refund of <id>', async () => {
    const s = setup();
    const t = await s.post();
    const squatter = await s.post({ reference: `${t.transactionId}_refund`, preciseAmount: 1n });
    const [refund] = await s.refunds.execute({ id: t.transactionId });
    expect(refund.refundOf).toBe(t.transactionId);
    expect(refund.reference).toMatch(new RegExp(`^${t.transactionId}_refund_.+`));
    // And the client's row is no refund: it can be refunded itself.
    const [own] = await s.refunds.execute({ id: squatter.transactionId });
    expect(own.refundOf).toBe(squatter.transactionId);
  });

  it('refuses a refund of a refund, of a row that is not APPLIED, and of an unknown id', async () => {
    const s = setup();
    const t = await s.post();
    const [refund] = await s.refunds.execute({ id: t.transactionId });
    await expect(s.refunds.execute({ id: refund.transactionId })).rejects.toMatchObject(
      refusal('GEN_BAD_REQUEST', 'is itself a refund'),
    );
    const hold = await s.post({ reference: 'hold', inflight: true });
    await expect(s.refunds.execute({ id: hold.transactionId })).rejects.toMatchObject(
      refusal('GEN_BAD_REQUEST', 'cannot be refunded in status INFLIGHT'),
    );
    await expect(s.refunds.execute({ id: 'txn_unknown' })).rejects.toMatchObject({
      code: 'TXN_NOT_FOUND',
    });
  });

  it('the dry run says what would happen and writes nothing', async () => {
    const s = setup();
    const t = await s.post();
    const rows = s.store.transactions.length;
    const preview = await s.refunds.preview({ id: t.transactionId });
    expect(preview).toMatchObject({ wouldApply: true, reference: `${t.transactionId}_refund` });
    expect(s.store.transactions).toHaveLength(rows);
    expect(s.balance('bln_b')).toBe(100n);
  });
});

describe('RefundTransactionUseCase (queued)', () => {
  it('writes the refund QUEUED with its work, takes refund_of at once, and a worker applies it', async () => {
    const s = setup();
    const t = await s.post();
    const [row] = await s.refunds.enqueue({ id: t.transactionId });
    const lane = laneOf('bln_b', LANES);
    expect(row).toMatchObject({
      status: 'QUEUED',
      source: 'bln_b',
      destination: 'bln_a',
      refundOf: t.transactionId,
      queuedParent: row.transactionId,
      reference: `${t.transactionId}_refund`,
    });
    expect(s.work.items).toEqual([
      expect.objectContaining({
        transactionId: row.transactionId,
        groupId: row.transactionId,
        lane,
        source: 'bln_b',
        destination: 'bln_a',
      }),
    ]);
    expect(s.queue.signals).toContainEqual({ lane, key: row.transactionId, runAt: s.clock.now() });
    expect(s.balance('bln_b')).toBe(100n);
    // Refused before the worker applies it …
    await expect(s.refunds.execute({ id: t.transactionId })).rejects.toMatchObject({
      code: 'GEN_CONFLICT',
    });

    expect(await s.drain.execute(lane)).toBe(1);
    const outcome = s.store.transactions.find((x) => x.outcomeOf === row.transactionId);
    expect(outcome).toMatchObject({
      status: 'APPLIED',
      refundOf: t.transactionId,
      reference: `${t.transactionId}_refund_q`,
    });
    expect(['bln_a', 'bln_b'].map(s.balance)).toEqual([1000n, 0n]);
    // … and after: the outcome is not a second refund, the queued row still is the refund.
    await expect(s.refunds.enqueue({ id: t.transactionId })).rejects.toMatchObject({
      code: 'GEN_CONFLICT',
    });
  });

  it('a client row that took <id>_refund_q does not block a queued refund either', async () => {
    const s = setup();
    const t = await s.post();
    await s.post({ reference: `${t.transactionId}_refund_q`, preciseAmount: 1n });
    const [row] = await s.refunds.enqueue({ id: t.transactionId });
    expect(row.reference).toMatch(new RegExp(`^${t.transactionId}_refund_.+`));
    expect(row.reference).not.toBe(`${t.transactionId}_refund`);
  });
});
