import type { UnitOfWork } from '@libs/core/unit-of-work';
import type {
  DueWork,
  NewWorkItem,
  QueuedWorkRepository,
} from '../../../src/modules/transaction/application/queued/ports/queued-work.repository';
import type { TransactionRepository } from '../../../src/modules/transaction/application/ports/transaction.repository';
import type { Transaction } from '../../../src/modules/transaction/domain/transaction';
import { actionOf, at, itemOf, queued, T0, txn } from './fixtures';

export interface QueuedWorkSubject {
  uow: UnitOfWork;
  work: QueuedWorkRepository;
  /** Writes the QUEUED rows the work items name (the work list joins them). */
  transactions: TransactionRepository;
  /** Creates (and commits) USD balances with these ids: rows need their balances. */
  seedBalances(ids: string[]): Promise<void>;
}

const BALANCES = ['bln_a', 'bln_b', 'bln_c', 'bln_x', 'bln_y', 'bln_z'];

/**
 * What every QueuedWorkRepository does, the Postgres adapter and the fake alike. `make` returns a
 * subject on an empty store (called before each case). Lanes are plain numbers here: which lane is
 * a balance's home is said by each item's foreign flags, as acceptance writes them.
 */
export function describeQueuedWorkContract(
  name: string,
  make: () => Promise<QueuedWorkSubject>,
): void {
  describe(`QueuedWorkRepository contract: ${name}`, () => {
    let s: QueuedWorkSubject;

    /** Accepts rows with their work items in one unit of work, as acceptance does. */
    const accept = (rows: Transaction[], items: NewWorkItem[]) =>
      s.uow.run(async (tx) => {
        await s.transactions.insert(tx, rows);
        await s.work.insert(tx, items);
      });
    /** One queued row A→B (or as told) and its item, in its own group. */
    const one = (n: number, row: Partial<Transaction> = {}, item: Partial<NewWorkItem> = {}) => {
      const r = queued(n, row);
      return accept([r], [itemOf(r, item)]);
    };
    const take = (lane: number, now = T0, limit = 10) =>
      s.uow.run((tx) => s.work.takeDue(tx, lane, now, limit));
    const taken = (d: DueWork) => d.items.map((i) => i.workId);
    const remove = (...workIds: string[]) => s.uow.run((tx) => s.work.remove(tx, workIds));

    beforeEach(async () => {
      s = await make();
      await s.seedBalances(BALANCES);
    });

    describe('takeDue', () => {
      it('an empty lane: nothing, nothing more, not blocked', async () => {
        expect(await take(0)).toEqual({ items: [], more: false, blocked: false });
      });

      it('takes due work oldest first, whole groups, each item with its row', async () => {
        const legs = [
          queued(1, { reference: 's_1' }),
          queued(2, { reference: 's_2', destination: 'bln_c' }),
        ];
        await accept(
          legs,
          legs.map((r) => itemOf(r, { groupId: 'grp_1' })),
        );
        await one(3);
        await one(4, {}, { lane: 1 });
        const due = await take(0);
        expect(due).toMatchObject({ more: false, blocked: false });
        expect(
          due.items.map((i) => [i.workId, i.kind, i.transactionId, i.groupId, i.lane]),
        ).toEqual([
          [txn(1), 'transaction', txn(1), 'grp_1', 0],
          [txn(2), 'transaction', txn(2), 'grp_1', 0],
          [txn(3), 'transaction', txn(3), txn(3), 0],
        ]);
        expect(due.items[1].row).toEqual(legs[1]);
        expect(due.items[0]).toMatchObject({ runAt: T0, options: {}, attempts: 0 });
        const seqs = due.items.map((i) => BigInt(i.seq));
        expect(seqs[0] < seqs[1] && seqs[1] < seqs[2]).toBe(true);
        expect(taken(await take(1))).toEqual([txn(4)]);
      });

      it('takes at most `limit` groups, and then says more may be due', async () => {
        const legs = [queued(1), queued(2)];
        await accept(
          legs,
          legs.map((r) => itemOf(r, { groupId: 'grp_1' })),
        );
        await one(3);
        await one(4);
        expect(await take(0, T0, 1)).toMatchObject({
          items: [{ workId: txn(1) }, { workId: txn(2) }],
          more: true,
        });
        expect(taken(await take(0, T0, 2))).toEqual([txn(1), txn(2), txn(3)]);
        expect((await take(0, T0, 2)).more).toBe(true);
        expect(await take(0, T0, 3)).toMatchObject({ more: true });
        expect(await take(0, T0, 4)).toMatchObject({ more: false });
      });

      it('leaves work that is not due yet', async () => {
        await one(1, {}, { runAt: at(60_000) });
        await one(2);
        expect(taken(await take(0))).toEqual([txn(2)]);
        expect(taken(await take(0, at(60_000)))).toEqual([txn(1), txn(2)]);
      });

      it('a run stops before the first due commit / void, which then comes alone', async () => {
        await one(1);
        await s.uow.run((tx) =>
          s.work.insert(tx, [actionOf('act_1', 'txn_09', { options: { precise_amount: '5' } })]),
        );
        await one(2);
        expect(await take(0)).toMatchObject({ items: [{ workId: txn(1) }], more: true });
        await remove(txn(1));
        const action = await take(0);
        expect(action).toMatchObject({ more: true, blocked: false });
        expect(action.items).toHaveLength(1);
        expect(action.items[0]).toMatchObject({
          workId: 'act_1',
          kind: 'commit',
          transactionId: 'txn_09',
          groupId: 'act_1',
          options: { precise_amount: '5' },
        });
        expect(action.items[0].row).toBeUndefined();
        await remove('act_1');
        expect(await take(0)).toMatchObject({ items: [{ workId: txn(2) }], more: false });
      });

      it('an expiry or auto-commit date not yet due does not stop the run', async () => {
        await one(1);
        await s.uow.run((tx) =>
          s.work.insert(tx, [
            actionOf('act_1', 'txn_09', {
              kind: 'void',
              runAt: at(60_000),
              options: { scheduled: true },
            }),
          ]),
        );
        await one(2);
        expect(await take(0)).toMatchObject({ more: false });
        expect(taken(await take(0))).toEqual([txn(1), txn(2)]);
      });

      it("a client's commit / void stops the run even while postponed", async () => {
        await one(1);
        await s.uow.run((tx) =>
          s.work.insert(tx, [actionOf('act_1', 'txn_09', { kind: 'void', runAt: at(60_000) })]),
        );
        await one(2);
        expect(taken(await take(0))).toEqual([txn(1)]);
        await remove(txn(1));
        expect(await take(0)).toMatchObject({ items: [], blocked: false });
      });

      // bln_x's home lane is 0 (its debits go there); bln_y's is 1.
      it('a debit waits while an earlier due item of another lane debits its balance', async () => {
        // Lane 1 debits bln_x (the second source of a split, foreign there), then lane 0 does.
        await one(1, { source: 'bln_x', destination: 'bln_z' }, { lane: 1, sourceForeign: true });
        await one(2, { source: 'bln_x', destination: 'bln_z' });
        expect(await take(0)).toEqual({ items: [], more: false, blocked: true });
        expect(taken(await take(1))).toEqual([txn(1)]);
        await remove(txn(1));
        expect(await take(0)).toMatchObject({ items: [{ workId: txn(2) }], blocked: false });
      });

      it('a debit after an earlier credit of its balance in another lane is taken, marked awaitsCredit', async () => {
        // Lane 1 credits bln_x (foreign there), then lane 0 debits it.
        await one(
          1,
          { source: 'bln_y', destination: 'bln_x' },
          { lane: 1, destinationForeign: true },
        );
        await one(2, { source: 'bln_x', destination: 'bln_z' });
        await one(3, { source: 'bln_z', destination: 'bln_a' });
        const due = await take(0);
        expect(due.blocked).toBe(false);
        expect(due.items.map((i) => [i.workId, i.awaitsCredit])).toEqual([
          [txn(2), true],
          [txn(3), false],
        ]);
        await remove(txn(1));
        expect((await take(0)).items[0]).toMatchObject({ workId: txn(2), awaitsCredit: false });
      });

      it('a debit from outside its home lane waits for any earlier touch of that balance', async () => {
        // bln_x debited from its home lane 0, then by the second source of a split in lane 1.
        await one(1, { source: 'bln_x', destination: 'bln_z' });
        const legs = [
          queued(2, { source: 'bln_y', destination: 'bln_z' }),
          queued(3, { source: 'bln_x', destination: 'bln_z' }),
        ];
        await accept(legs, [
          itemOf(legs[0], { lane: 1, groupId: 'grp_2' }),
          itemOf(legs[1], { lane: 1, groupId: 'grp_2', sourceForeign: true }),
        ]);
        expect(await take(1)).toMatchObject({ items: [], blocked: true });
        await remove(txn(1));
        expect(taken(await take(1))).toEqual([txn(2), txn(3)]);
      });

      it('a debit after a commit / void of another lane that credits its balance awaits it', async () => {
        await s.uow.run((tx) =>
          s.work.insert(tx, [
            actionOf('act_1', 'txn_09', { kind: 'void', lane: 1, credits: ['bln_y', 'bln_x'] }),
          ]),
        );
        await one(2, { source: 'bln_x', destination: 'bln_z' });
        await one(3, { source: 'bln_z', destination: 'bln_a' });
        expect((await take(0)).items.map((i) => [i.workId, i.awaitsCredit])).toEqual([
          [txn(2), true],
          [txn(3), false],
        ]);
      });

      it('a foreign debit after an earlier credit of its balance in another lane awaits it', async () => {
        await one(1, { source: 'bln_z', destination: 'bln_x' });
        await one(2, { source: 'bln_x', destination: 'bln_y' }, { lane: 1, sourceForeign: true });
        expect((await take(1)).items).toMatchObject([{ workId: txn(2), awaitsCredit: true }]);
      });

      it('a credit never waits, nor does a debit for later or not yet due work of other lanes', async () => {
        // Lane 0 credits bln_x after an earlier foreign credit of it in lane 1.
        await one(
          1,
          { source: 'bln_y', destination: 'bln_x' },
          { lane: 1, destinationForeign: true },
        );
        await one(2, { source: 'bln_z', destination: 'bln_x' });
        expect(taken(await take(0))).toEqual([txn(2)]);
        await remove(txn(2));
        await remove(txn(1));
        // A debit of bln_x accepted before the other lane's touch of it …
        await one(3, { source: 'bln_x', destination: 'bln_z' });
        await one(
          4,
          { source: 'bln_y', destination: 'bln_x' },
          { lane: 1, destinationForeign: true },
        );
        expect(taken(await take(0))).toEqual([txn(3)]);
        await remove(txn(3), txn(4));
        // … or after one that is not due yet.
        await one(
          5,
          { source: 'bln_y', destination: 'bln_x' },
          { lane: 1, destinationForeign: true, runAt: at(60_000) },
        );
        await one(6, { source: 'bln_x', destination: 'bln_z' });
        expect(taken(await take(0))).toEqual([txn(6)]);
        // Once it is due, the debit awaits it.
        expect((await take(0, at(60_000))).items).toMatchObject([{ awaitsCredit: true }]);
      });

      it('takes the ready groups before the first that must wait, and says more may be due', async () => {
        await one(1, { source: 'bln_z', destination: 'bln_a' });
        await one(2, { source: 'bln_x', destination: 'bln_b' }, { lane: 1, sourceForeign: true });
        await one(3, { source: 'bln_x', destination: 'bln_a' });
        await one(4, { source: 'bln_z', destination: 'bln_b' });
        expect(await take(0)).toEqual({
          items: [expect.objectContaining({ workId: txn(1) })],
          more: true,
          blocked: false,
        });
        await remove(txn(1));
        expect(await take(0)).toMatchObject({ items: [], blocked: true });
      });

      it('a failed unit of work leaves no work', async () => {
        await expect(
          s.uow.run(async (tx) => {
            const r = queued(1);
            await s.transactions.insert(tx, [r]);
            await s.work.insert(tx, [itemOf(r)]);
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await take(0)).toMatchObject({ items: [] });
        expect(await s.work.pendingCount()).toBe(0);
      });

      it('a work id is used once', async () => {
        await one(1);
        await expect(
          s.uow.run((tx) => s.work.insert(tx, [actionOf(txn(1), txn(1))])),
        ).rejects.toThrow();
      });

      it('the lane and key locks can be taken inside a unit of work', async () => {
        await s.uow.run(async (tx) => {
          await s.work.lockLane(tx, 3);
          await s.work.lockKey(tx, 'txn_01');
          await s.work.lockKey(tx, 'txn_01');
        });
      });
    });

    describe('groups and failures', () => {
      it('groupItems: every item of a group in acceptance order, transactions with their rows', async () => {
        const legs = [queued(1), queued(2)];
        await accept(
          legs,
          legs.map((r) => itemOf(r, { groupId: 'grp_1' })),
        );
        await s.uow.run((tx) => s.work.insert(tx, [actionOf('act_1', txn(1))]));
        const group = await s.uow.run((tx) => s.work.groupItems(tx, 'grp_1'));
        expect(group.map((i) => [i.workId, i.row?.transactionId])).toEqual([
          [txn(1), txn(1)],
          [txn(2), txn(2)],
        ]);
        expect(group[0].row).toEqual(legs[0]);
        const action = await s.uow.run((tx) => s.work.groupItems(tx, 'act_1'));
        expect(action.map((i) => [i.workId, i.kind, i.row])).toEqual([
          ['act_1', 'commit', undefined],
        ]);
        expect(await s.uow.run((tx) => s.work.groupItems(tx, 'grp_none'))).toEqual([]);
      });

      it('recordFailure counts attempts on every item of the group, outside any unit of work', async () => {
        const legs = [queued(1), queued(2)];
        await accept(
          legs,
          legs.map((r) => itemOf(r, { groupId: 'grp_1' })),
        );
        await one(3);
        expect(await s.work.recordFailure('grp_1', 'boom')).toBe(1);
        expect(await s.work.recordFailure('grp_1', 'x'.repeat(5000))).toBe(2);
        expect(await s.work.recordFailure('grp_none', 'boom')).toBe(0);
        const due = await take(0);
        expect(due.items.map((i) => [i.workId, i.attempts])).toEqual([
          [txn(1), 2],
          [txn(2), 2],
          [txn(3), 0],
        ]);
      });

      it('postpone moves an item to a later time', async () => {
        await one(1);
        await s.uow.run((tx) => s.work.postpone(tx, txn(1), at(5000)));
        expect(taken(await take(0))).toEqual([]);
        expect((await take(0, at(5000))).items[0].runAt).toEqual(at(5000));
      });

      it('remove removes the named items only', async () => {
        await one(1);
        await one(2);
        await one(3);
        await remove(txn(1), txn(3), 'act_none');
        expect(taken(await take(0))).toEqual([txn(2)]);
        await remove();
        expect(taken(await take(0))).toEqual([txn(2)]);
      });
    });

    describe('what is pending', () => {
      it("pendingAction: a client's commit or void waiting for the id, not a hold's date", async () => {
        await one(1, { inflight: true });
        await s.uow.run((tx) =>
          s.work.insert(tx, [
            actionOf('act_1', txn(5)),
            actionOf('act_2', txn(6), {
              kind: 'void',
              options: { scheduled: true },
              runAt: at(60_000),
            }),
            actionOf('act_3', txn(7), { kind: 'void' }),
          ]),
        );
        const pending = (id: string) => s.uow.run((tx) => s.work.pendingAction(tx, id));
        expect(await pending(txn(5))).toBe(true);
        expect(await pending(txn(7))).toBe(true);
        expect(await pending(txn(6))).toBe(false);
        expect(await pending(txn(1))).toBe(false);
        expect(await pending('txn_99')).toBe(false);
      });

      it('pendingHoldsDue: when the earliest queued row that will become a hold is due, by id, group, queued request or parent', async () => {
        const hold = queued(1, {
          inflight: true,
          queuedParent: 'bulk_1',
          parentTransaction: 'txn_05',
        });
        const transfer = queued(2, { queuedParent: 'bulk_2', parentTransaction: 'txn_06' });
        await accept(
          [hold, transfer],
          [itemOf(hold, { groupId: 'grp_1' }), itemOf(transfer, { groupId: 'grp_2' })],
        );
        const pending = (id: string) => s.uow.run((tx) => s.work.pendingHoldsDue(tx, id));
        for (const id of [txn(1), 'grp_1', 'bulk_1', 'txn_05'])
          expect(await pending(id)).toEqual(T0);
        for (const id of [txn(2), 'grp_2', 'bulk_2', 'txn_06', 'txn_99'])
          expect(await pending(id)).toBeNull();
        await remove(txn(1));
        expect(await pending(txn(1))).toBeNull();
        expect(await pending('bulk_1')).toBeNull();
      });

      it('pendingHoldsDue: the earliest run_at of the holds an id names', async () => {
        const early = queued(3, { inflight: true, queuedParent: 'bulk_3' });
        const late = queued(4, { inflight: true, queuedParent: 'bulk_3' });
        await accept(
          [early, late],
          [
            itemOf(late, { groupId: 'grp_4', runAt: at(120_000) }),
            itemOf(early, { groupId: 'grp_3', runAt: at(60_000) }),
          ],
        );
        const due = await s.uow.run((tx) => s.work.pendingHoldsDue(tx, 'bulk_3'));
        expect(due).toEqual(at(60_000));
        await remove(txn(3));
        expect(await s.uow.run((tx) => s.work.pendingHoldsDue(tx, 'bulk_3'))).toEqual(at(120_000));
      });

      it('dueLanes: lanes with work due, how many items, optionally only older ones', async () => {
        await one(1);
        await s.uow.run((tx) => s.work.insert(tx, [actionOf('act_1', txn(9))]));
        await one(2, {}, { lane: 2 });
        await one(3, {}, { lane: 1, runAt: at(60_000) });
        expect(await s.work.dueLanes(T0)).toEqual([
          { lane: 0, count: 2 },
          { lane: 2, count: 1 },
        ]);
        expect(await s.work.dueLanes(at(60_000))).toEqual([
          { lane: 0, count: 2 },
          { lane: 1, count: 1 },
          { lane: 2, count: 1 },
        ]);
        // `olderThan` is about when the work was written (now, whatever its rows say).
        expect(await s.work.dueLanes(T0, new Date('2000-01-01T00:00:00Z'))).toEqual([]);
        expect(await s.work.dueLanes(T0, new Date('2100-01-01T00:00:00Z'))).toHaveLength(2);
      });

      it('queuedDebits and queuedAmounts: QUEUED rows still to apply, by balance', async () => {
        await one(1, { source: 'bln_a', destination: 'bln_b', preciseAmount: 100n });
        await one(2, { source: 'bln_a', destination: 'bln_c', preciseAmount: 50n });
        await one(3, { source: 'bln_b', destination: 'bln_a', preciseAmount: 7n });
        await one(
          4,
          { source: 'bln_a', destination: 'bln_b', preciseAmount: 1000n, status: 'SCHEDULED' },
          { runAt: at(60_000) },
        );
        await s.uow.run((tx) => s.work.insert(tx, [actionOf('act_1', txn(1))]));
        const debits = await s.uow.run((tx) =>
          s.work.queuedDebits(tx, ['bln_a', 'bln_c', 'bln_z']),
        );
        expect(debits).toEqual(new Map([['bln_a', 150n]]));
        expect(await s.work.queuedAmounts('bln_a')).toEqual({ debit: 150n, credit: 7n });
        expect(await s.work.queuedAmounts('bln_b')).toEqual({ debit: 7n, credit: 100n });
        expect(await s.work.queuedAmounts('bln_z')).toEqual({ debit: 0n, credit: 0n });
        await remove(txn(1));
        expect(await s.work.queuedAmounts('bln_a')).toEqual({ debit: 50n, credit: 7n });
      });

      it('pendingCount: every item waiting', async () => {
        await one(1);
        await one(2, {}, { lane: 3, runAt: at(60_000) });
        await s.uow.run((tx) => s.work.insert(tx, [actionOf('act_1', txn(1))]));
        expect(await s.work.pendingCount()).toBe(3);
      });

      it('claimLaneCount: recorded once, refused while work routed with another count is pending', async () => {
        await s.work.claimLaneCount(4);
        await s.work.claimLaneCount(4);
        await one(1);
        await expect(s.work.claimLaneCount(8)).rejects.toThrow(
          /number_of_queues is 8, but 1 queued work items were routed over 4 lanes/,
        );
        await s.work.claimLaneCount(4);
        await remove(txn(1));
        await s.work.claimLaneCount(8);
        await one(2);
        await expect(s.work.claimLaneCount(4)).rejects.toThrow(/routed over 8 lanes/);
      });
    });
  });
}
