import { BalancePostingService } from '../../balance/application/balance-posting.service';
import { newBalance } from '../../balance/domain/balance';
import {
  FixedClock,
  MemoryBalanceBook,
  MemoryStore,
  MemoryTransactionRepository,
  MemoryUnitOfWork,
  SequentialIds,
} from '../../../../test/support/fakes/in-memory';
import { RecordTransactionUseCase } from './record-transaction.use-case';

function setup() {
  const store = new MemoryStore();
  const ids = new SequentialIds();
  const clock = new FixedClock();
  const useCase = new RecordTransactionUseCase(
    new MemoryUnitOfWork(store),
    new BalancePostingService(new MemoryBalanceBook(store), ids, clock),
    new MemoryTransactionRepository(store),
    ids,
    clock,
  );
  const add = (id: string, currency = 'USD') =>
    store.balances.set(id, newBalance({ ledgerId: 'ldg_1', currency }, id, clock.now()));
  return { store, useCase, add };
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

describe('RecordTransactionUseCase (skip_queue)', () => {
  it('creates @World on demand and moves the money', async () => {
    const { store, useCase, add } = setup();
    add('bln_b');
    const { transaction } = await useCase.execute(
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
    await expect(useCase.execute(transfer())).rejects.toMatchObject({
      code: 'TXN_INSUFFICIENT_FUNDS',
    });
    expect(store.transactions).toHaveLength(0);
    expect(store.balances.get('bln_a')!.balance).toBe(0n);
  });

  it('answers a duplicate reference with 409 before looking at funds', async () => {
    const { useCase, add } = setup();
    add('bln_b');
    add('bln_c');
    await useCase.execute(transfer({ source: '@World', allowOverdraft: true }));
    await expect(
      useCase.execute(transfer({ source: 'bln_c', destination: 'bln_b' })),
    ).rejects.toMatchObject({
      code: 'TXN_DUPLICATE_REFERENCE',
    });
  });

  it('reports a missing balance as TXN_NOT_FOUND', async () => {
    const { useCase, add } = setup();
    add('bln_a');
    await expect(useCase.execute(transfer({ allowOverdraft: true }))).rejects.toMatchObject({
      code: 'TXN_NOT_FOUND',
      message: "Balance with ID 'bln_b' not found",
    });
  });

  it('refuses a currency that differs from the balances', async () => {
    const { useCase, add } = setup();
    add('bln_a', 'EUR');
    add('bln_b');
    await expect(useCase.execute(transfer({ allowOverdraft: true }))).rejects.toMatchObject({
      code: 'TXN_VALIDATION_ERROR',
      message: expect.stringContaining('currency mismatch'),
    });
  });

  it('refuses dry_run and scheduled_for on this path rather than moving money now', async () => {
    const { store, useCase, add } = setup();
    add('bln_b');
    await expect(
      useCase.execute(transfer({ source: '@World', allowOverdraft: true, dryRun: true })),
    ).rejects.toMatchObject({
      code: 'GEN_BAD_REQUEST',
    });
    await expect(
      useCase.execute(
        transfer({ source: '@World', allowOverdraft: true, scheduledFor: '2030-01-01T00:00:00Z' }),
      ),
    ).rejects.toMatchObject({
      code: 'TXN_VALIDATION_ERROR',
      message: expect.stringContaining('scheduled_for'),
    });
    expect(store.transactions).toHaveLength(0);
  });

  it('refuses a zero amount', async () => {
    const { useCase, add } = setup();
    add('bln_a');
    add('bln_b');
    await expect(useCase.execute(transfer({ preciseAmount: 0n }))).rejects.toMatchObject({
      code: 'TXN_INVALID_AMOUNT',
    });
  });

  it('holds funds for an inflight transaction', async () => {
    const { store, useCase, add } = setup();
    add('bln_b');
    const { transaction } = await useCase.execute(
      transfer({ source: '@World', allowOverdraft: true, inflight: true }),
    );
    expect(transaction.status).toBe('INFLIGHT');
    expect(store.balances.get('bln_b')!).toMatchObject({
      balance: 0n,
      inflightCreditBalance: 1000n,
    });
  });

  it('refuses source and destination that resolve to the same balance', async () => {
    const { store, useCase } = setup();
    await useCase.execute(
      transfer({ source: '@World', destination: '@Fees', allowOverdraft: true }),
    );
    const world = [...store.balances.values()].find((b) => b.indicator === '@World')!;
    await expect(
      useCase.execute(
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
