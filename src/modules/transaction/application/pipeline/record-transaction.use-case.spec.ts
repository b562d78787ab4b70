import { MemoryQueuedWork } from '../../../../../test/support/fakes/in-memory';
import { fakeWorld } from '../../../../../test/support/fakes/world';
import { RecordTransactionUseCase } from './record-transaction.use-case';
import type { RecordTransactionInput } from '../../domain/record-request';

function setup() {
  const w = fakeWorld({ settings: { lanes: 4 }, work: () => new MemoryQueuedWork() });
  const add = (id: string, currency = 'USD') => w.add(id, 0n, currency);
  return { store: w.store, useCase: w.record, add, work: w.work, queue: w.queue, uow: w.uow };
}

const transfer = (over: Record<string, unknown> = {}) => ({
  preciseAmount: 1000n,
  currency: 'USD',
  reference: 'ref-1',
  description: 'test',
  source: 'bln_a',
  destination: 'bln_b',
  skipQueue: true,
  ...over,
});

/** The synchronous route, as the submission pipeline takes it: prepare, then post. */
const submit = (uc: RecordTransactionUseCase, input: RecordTransactionInput) =>
  Promise.resolve().then(() => uc.post(uc.prepare(input)));

describe('RecordTransactionUseCase (skip_queue)', () => {
  it('creates @World on demand and moves the money', async () => {
    const { store, useCase, add } = setup();
    add('bln_b');
    const { transaction } = await submit(
      useCase,
      transfer({ source: '@World', allowOverdraft: true }),
    );
    expect(transaction.status).toBe('APPLIED');
    const world = [...store.balances.values()].find((b) => b.indicator === '@World')!;
    expect(world.ledgerId).toBe('general_ledger_id');
    expect(world.balance).toBe(-1000n);
    expect(store.balances.get('bln_b')!.balance).toBe(1000n);
    expect(store.balances.get('bln_b')!.version).toBe(1);
    expect(transaction.source).toBe(world.balanceId);
  });

  it('refuses an overdraw and changes nothing', async () => {
    const { store, useCase, add } = setup();
    add('bln_a');
    add('bln_b');
    await expect(submit(useCase, transfer())).rejects.toMatchObject({
      code: 'TXN_INSUFFICIENT_FUNDS',
    });
    expect(store.transactions).toHaveLength(0);
    expect(store.balances.get('bln_a')!.balance).toBe(0n);
  });

  it('answers a duplicate reference with 409 before looking at funds', async () => {
    const { useCase, add } = setup();
    add('bln_b');
    add('bln_c');
    await submit(useCase, transfer({ source: '@World', allowOverdraft: true }));
    await expect(
      submit(useCase, transfer({ source: 'bln_c', destination: 'bln_b' })),
    ).rejects.toMatchObject({
      code: 'TXN_DUPLICATE_REFERENCE',
    });
  });

  it('reports a missing balance as TXN_NOT_FOUND', async () => {
    const { useCase, add } = setup();
    add('bln_a');
    await expect(submit(useCase, transfer({ allowOverdraft: true }))).rejects.toMatchObject({
      code: 'TXN_NOT_FOUND',
      message: "Balance with ID 'bln_b' not found",
    });
  });

  it('refuses a currency that differs from the balances', async () => {
    const { useCase, add } = setup();
    add('bln_a', 'EUR');
    add('bln_b');
    await expect(submit(useCase, transfer({ allowOverdraft: true }))).rejects.toMatchObject({
      code: 'TXN_VALIDATION_ERROR',
      message: expect.stringContaining('currency mismatch'),
    });
  });

  it('refuses scheduled_for on this path rather than moving money now', async () => {
    const { store, useCase, add } = setup();
    add('bln_b');
    await expect(
      submit(
        useCase,
        transfer({ source: '@World', allowOverdraft: true, scheduledFor: '2030-01-01T00:00:00Z' }),
      ),
    ).rejects.toMatchObject({
      code: 'TXN_VALIDATION_ERROR',
      message: expect.stringContaining('scheduled_for'),
    });
    expect(store.transactions).toHaveLength(0);
  });

  it('its dry run is refused the same way; the dry run of the queued request is not', async () => {
    const { store, useCase, add } = setup();
    add('bln_b');
    const input = transfer({
      source: '@World',
      allowOverdraft: true,
      scheduledFor: '2030-01-01T00:00:00Z',
    });
    await expect(useCase.preview({ ...input, skipQueue: true })).rejects.toMatchObject({
      code: 'TXN_VALIDATION_ERROR',
      message: expect.stringContaining('scheduled_for'),
    });
    await expect(useCase.preview({ ...input, skipQueue: false })).resolves.toMatchObject({
      wouldApply: true,
    });
    expect(store.transactions).toHaveLength(0);
  });

  it('previews without writing anything or creating @World', async () => {
    const { store, useCase, add } = setup();
    add('bln_b');
    const preview = await useCase.preview(transfer({ source: '@World', allowOverdraft: true }));
    expect(preview.wouldApply).toBe(true);
    expect(preview.status).toBe('APPLIED');
    const world = preview.balances.find((b) => b.role === 'source')!;
    expect(world.virtual).toBe(true);
    expect(world.balance.balance).toBe(-1000n);
    expect(world.before.balance).toBe(0n);
    expect(store.transactions).toHaveLength(0);
    expect([...store.balances.values()].some((b) => b.indicator === '@World')).toBe(false);
    const refused = await useCase.preview(transfer({ source: 'bln_b', destination: '@X' }));
    expect(refused.wouldApply).toBe(false);
    expect(refused.rejection?.code).toBe('TXN_INSUFFICIENT_FUNDS');
  });

  it('splits over several destinations, legs referenced R-1..R-n under the parent id', async () => {
    const { store, useCase, add } = setup();
    add('bln_b');
    add('bln_c');
    const r = await submit(
      useCase,
      transfer({
        source: '@World',
        destination: undefined,
        allowOverdraft: true,
        preciseAmount: 250n,
        destinations: [
          { identifier: 'bln_b', distribution: '50%' },
          { identifier: 'bln_c', distribution: 'left' },
        ],
      }),
    );
    expect(
      r.legs.map((l) => [l.reference, l.destination, l.preciseAmount, l.parentTransaction]),
    ).toEqual([
      ['ref-1-1', 'bln_b', 125n, r.transaction.transactionId],
      ['ref-1-2', 'bln_c', 125n, r.transaction.transactionId],
    ]);
    expect(store.transactions.some((t) => t.transactionId === r.transaction.transactionId)).toBe(
      false,
    );
    expect(store.balances.get('bln_c')!.balance).toBe(125n);
  });

  it('a split is all or nothing: one leg short of funds moves nothing', async () => {
    const { store, useCase, add } = setup();
    add('bln_a');
    add('bln_b');
    add('bln_c');
    await submit(
      useCase,
      transfer({
        source: '@World',
        destination: 'bln_a',
        allowOverdraft: true,
        preciseAmount: 100n,
        reference: 'seed',
      }),
    );
    await expect(
      submit(
        useCase,
        transfer({
          source: undefined,
          destination: 'bln_c',
          preciseAmount: 300n,
          sources: [
            { identifier: 'bln_a', distribution: '50%' },
            { identifier: 'bln_b', distribution: 'left' },
          ],
        }),
      ),
    ).rejects.toMatchObject({ code: 'TXN_INSUFFICIENT_FUNDS' });
    expect(store.balances.get('bln_a')!.balance).toBe(100n);
    expect(store.transactions).toHaveLength(1);
  });

  it('refuses a zero amount', async () => {
    const { useCase, add } = setup();
    add('bln_a');
    add('bln_b');
    await expect(submit(useCase, transfer({ preciseAmount: 0n }))).rejects.toMatchObject({
      code: 'TXN_INVALID_AMOUNT',
    });
  });

  it('holds funds for an inflight transaction', async () => {
    const { store, useCase, add } = setup();
    add('bln_b');
    const { transaction } = await submit(
      useCase,
      transfer({ source: '@World', allowOverdraft: true, inflight: true }),
    );
    expect(transaction.status).toBe('INFLIGHT');
    expect(store.balances.get('bln_b')!).toMatchObject({
      balance: 0n,
      inflightCreditBalance: 1000n,
    });
  });

  it('schedules the expiry and auto-commit of a hold as work, signalled for that time', async () => {
    const { useCase, add, work, queue } = setup();
    add('bln_b');
    await submit(
      useCase,
      transfer({
        source: '@World',
        allowOverdraft: true,
        inflight: true,
        inflightExpiryDate: '2030-01-01T00:00:00Z',
        inflightCommitDate: '2029-01-01T00:00:00Z',
      }),
    );
    expect(work.items.map((w) => [w.kind, w.runAt.toISOString()])).toEqual([
      ['commit', '2029-01-01T00:00:00.000Z'],
      ['void', '2030-01-01T00:00:00.000Z'],
    ]);
    expect(queue.signals).toHaveLength(2);
    // Not for a transaction that is not a hold.
    await submit(
      useCase,
      transfer({
        reference: 'r9',
        source: '@World',
        allowOverdraft: true,
        inflightExpiryDate: '2030-01-01T00:00:00Z',
      }),
    );
    expect(work.items).toHaveLength(2);
  });

  it('refuses source and destination that resolve to the same balance', async () => {
    const { store, useCase } = setup();
    await submit(
      useCase,
      transfer({ source: '@World', destination: '@Fees', allowOverdraft: true }),
    );
    const world = [...store.balances.values()].find((b) => b.indicator === '@World')!;
    await expect(
      submit(
        useCase,
        transfer({
          reference: 'r2',
          source: '@World',
          destination: world.balanceId,
          allowOverdraft: true,
        }),
      ),
    ).rejects.toMatchObject({ message: 'source and destination cannot be the same balance' });
  });
});

describe('RecordTransactionUseCase: group commit', () => {
  it('writes requests that arrive together in one transaction; a refused one leaves no trace, not even its reference', async () => {
    const { store, useCase, add, uow } = setup();
    for (const id of ['bln_a', 'bln_b', 'bln_c', 'bln_d']) add(id);
    await submit(
      useCase,
      transfer({
        source: '@World',
        destination: 'bln_a',
        reference: 'fund',
        allowOverdraft: true,
        preciseAmount: 5000n,
      }),
    );
    const runs = jest.spyOn(uow, 'run');
    const results = await Promise.allSettled([
      // These two take both batch slots (other balances: the in-memory book has no row locks) …
      submit(
        useCase,
        transfer({
          reference: 'first',
          source: 'bln_c',
          destination: 'bln_d',
          allowOverdraft: true,
        }),
      ),
      submit(
        useCase,
        transfer({
          reference: 'second',
          source: 'bln_d',
          destination: 'bln_c',
          allowOverdraft: true,
        }),
      ),
      // … so these two wait and go together: the first is refused, the second reuses its reference.
      submit(useCase, transfer({ reference: 'X', preciseAmount: 1_000_000n })),
      submit(useCase, transfer({ reference: 'X', preciseAmount: 300n })),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect((results[2] as PromiseRejectedResult).reason.code).toBe('TXN_INSUFFICIENT_FUNDS');
    expect(runs).toHaveBeenCalledTimes(3);
    const a = store.balances.get('bln_a')!;
    expect(a.balance).toBe(5000n - 300n);
    // One version per posting, however many postings share a write: the funding and X.
    expect(a.version).toBe(2);
    expect(store.transactions.map((t) => t.reference).sort()).toEqual([
      'X',
      'first',
      'fund',
      'second',
    ]);
  });
});
