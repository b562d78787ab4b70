import { MemoryQueuedWork } from '../../../../../test/support/fakes/in-memory';
import { fakeWorld } from '../../../../../test/support/fakes/world';
import { outcomeRow } from '../../domain/rows';
import { PostingSession } from '../posting-session';

function setup() {
  const w = fakeWorld({
    settings: { lanes: 4 },
    work: () => new MemoryQueuedWork(),
    balances: { bln_a: 1000n, bln_b: 0n, bln_c: 0n },
  });
  const { store, uow, balances, transactions, ids, clock } = w;
  /** What a worker does with every QUEUED row: its INFLIGHT outcome, the funds held. */
  const applyQueued = () =>
    uow.run(async (tx) => {
      const session = new PostingSession(tx, balances, transactions);
      const rows = store.transactions.filter((r) => r.status === 'QUEUED');
      await session.open(
        [],
        rows.flatMap((r) => [r.source, r.destination]),
      );
      for (const r of rows) {
        session.transfer(outcomeRow(r, ids.next('txn'), clock.now()), {
          allowOverdraft: false,
          overdraftLimit: 0n,
        });
      }
      await session.flush();
    });
  return Object.assign(w, { applyQueued });
}

describe('UpdateInflightUseCase: a split hold inside a queued bulk batch', () => {
  const batchOf = async (s: ReturnType<typeof setup>) => {
    const expiry = '2026-01-01T00:10:00Z';
    await s.bulk.execute({
      inflight: true,
      items: [
        {
          preciseAmount: 100n,
          currency: 'USD',
          reference: 'b-1',
          description: 'd',
          source: 'bln_a',
          destination: 'bln_b',
        },
        {
          preciseAmount: 200n,
          currency: 'USD',
          reference: 'b-2',
          description: 'd',
          source: 'bln_a',
          destinations: [
            { identifier: 'bln_b', distribution: '50%' },
            { identifier: 'bln_c', distribution: 'left' },
          ],
          inflightExpiryDate: expiry,
        },
      ],
    });
    // The expiry targets the split's id: its QUEUED legs name it as their parent.
    const expiryWork = s.work.items.find((w) => w.kind === 'void')!;
    const legs = s.store.transactions.filter(
      (r) => r.parentTransaction === expiryWork.transactionId,
    );
    expect(legs.map((l) => l.reference)).toEqual(['b-2_1', 'b-2_2']);
    return expiryWork.transactionId;
  };

  it("the split's id settles the batch's holds at the split's position, and only those", async () => {
    const s = setup();
    const splitId = await batchOf(s);
    await s.applyQueued();
    const children = await s.inflight.execute({ id: splitId, status: 'void', actId: 'act_x' });
    expect(children.map((c) => [c.status, c.preciseAmount])).toEqual([
      ['VOID', 100n],
      ['VOID', 100n],
    ]);
    const settled = new Set(children.map((c) => c.settles));
    const holds = s.store.transactions.filter((r) => r.status === 'INFLIGHT');
    expect(holds.filter((h) => settled.has(h.transactionId)).map((h) => h.reference)).toEqual([
      'b-2_1_q',
      'b-2_2_q',
    ]);
    expect(s.store.balances.get('bln_a')).toMatchObject({
      balance: 1000n,
      inflightDebitBalance: 100n,
    });
  });

  it('the dry run of a commit by the split id sees the same holds', async () => {
    const s = setup();
    const splitId = await batchOf(s);
    await s.applyQueued();
    const preview = await s.inflight.preview({ id: splitId, status: 'commit' });
    expect(preview).toMatchObject({ wouldApply: true, preciseAmount: 200n });
  });

  it('before the legs are applied, the split id is not inflight yet (nothing is settled)', async () => {
    const s = setup();
    const splitId = await batchOf(s);
    await expect(s.inflight.execute({ id: splitId, status: 'void' })).rejects.toMatchObject({
      code: 'TXN_NOT_INFLIGHT',
    });
  });
});
