import { plainList } from '@libs/core/list-query';
import type { UnitOfWork } from '@libs/core/unit-of-work';
import type { TransactionRepository } from '../../../src/modules/transaction/application/ports/transaction.repository';
import { outcomeRow, refundRow, settlementRow } from '../../../src/modules/transaction/domain/rows';
import type { Transaction } from '../../../src/modules/transaction/domain/transaction';
import { at, queued, row, T0, txn } from './fixtures';

export interface TransactionRepositorySubject {
  uow: UnitOfWork;
  repo: TransactionRepository;
  /** Creates (and commits) USD balances with these ids: rows need their balances. */
  seedBalances(ids: string[]): Promise<void>;
}

/**
 * What every TransactionRepository does, the Postgres adapter and the fake alike. `make` returns
 * a subject on an empty store (called before each case).
 */
export function describeTransactionRepositoryContract(
  name: string,
  make: () => Promise<TransactionRepositorySubject>,
): void {
  describe(`TransactionRepository contract: ${name}`, () => {
    let s: TransactionRepositorySubject;
    const put = (...rows: Transaction[]) => s.uow.run((tx) => s.repo.insert(tx, rows));
    const claimed = (...refs: string[]) =>
      s.uow.run(async (tx) => [...(await s.repo.existingReferences(tx, refs))].sort());
    const ids = (rows: Transaction[]) => rows.map((r) => r.transactionId);
    const duplicate = (reference: string) => ({
      code: 'TXN_DUPLICATE_REFERENCE',
      message: expect.stringContaining(`reference ${reference} has already been used`),
    });

    beforeEach(async () => {
      s = await make();
      await s.seedBalances(['bln_a', 'bln_b', 'bln_c']);
    });

    describe('rows', () => {
      it('appends rows and reads them back by id and by reference, engine columns included', async () => {
        const r = row(1, {
          reference: 'r-1',
          status: 'QUEUED',
          parentTransaction: 'bulk_1',
          amount: '123456789012345678.90',
          preciseAmount: 12345678901234567890n,
          allowOverdraft: true,
          overdraftLimit: '12.5',
          inflight: true,
          atomic: true,
          queuedParent: 'bulk_1',
          batchId: 'bulk_1',
          sequence: 2,
          scheduledFor: at(60_000),
          effectiveDate: at(-1000),
          createdAt: at(123),
          metaData: { note: 'x', nested: { n: 1 } },
        });
        const plain = row(2, { reference: 'r-2' });
        await put(r, plain);
        expect(await s.repo.findById(txn(1))).toEqual(r);
        expect(await s.repo.findByReference('r-2')).toEqual(plain);
        expect(await s.repo.findById('txn_99')).toBeNull();
        expect(await s.repo.findByReference('r-99')).toBeNull();
      });

      it('a unit of work reads its own rows before they are committed', async () => {
        const seen = await s.uow.run(async (tx) => {
          await s.repo.insert(tx, [row(1)]);
          return [await s.repo.findById(txn(1), tx), await s.repo.findByReference('ref-1', tx)];
        });
        expect(ids(seen as Transaction[])).toEqual([txn(1), txn(1)]);
      });

      it('a failed unit of work leaves no row and no claim', async () => {
        await expect(
          s.uow.run(async (tx) => {
            await s.repo.insert(tx, [queued(1, { reference: 'X' })]);
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await s.repo.findById(txn(1))).toBeNull();
        expect(await claimed('X', 'X_q')).toEqual([]);
      });

      it('refuses a row whose balance does not exist', async () => {
        await expect(put(row(1, { destination: 'bln_nope' }))).rejects.toThrow();
        expect(await s.repo.findById(txn(1))).toBeNull();
      });
    });

    describe('reference claims', () => {
      it('refuses a reference already used, naming it, and writes none of the batch', async () => {
        await put(row(1, { reference: 'X' }));
        await expect(
          put(row(2, { reference: 'Y' }), row(3, { reference: 'X' })),
        ).rejects.toMatchObject(duplicate('X'));
        expect(await s.repo.findById(txn(2))).toBeNull();
        expect(await claimed('X', 'Y')).toEqual(['X']);
      });

      it('refuses a reference used twice in one batch', async () => {
        await expect(
          put(row(1, { reference: 'X' }), row(2, { reference: 'X' })),
        ).rejects.toMatchObject(duplicate('X'));
        expect(await claimed('X')).toEqual([]);
      });

      for (const status of ['QUEUED', 'SCHEDULED'] as const) {
        it(`a ${status} row also claims <reference>_q, the reference of its outcome`, async () => {
          await put(queued(1, { reference: 'X', status }));
          expect(await claimed('X', 'X_q', 'X_q_q', 'other')).toEqual(['X', 'X_q']);
          await expect(put(row(2, { reference: 'X_q' }))).rejects.toMatchObject(duplicate('X_q'));
        });
      }

      for (const status of ['APPLIED', 'INFLIGHT', 'REJECTED'] as const) {
        it(`an ${status} row claims its reference only`, async () => {
          await put(row(1, { reference: 'X', status }));
          expect(await claimed('X', 'X_q')).toEqual(['X']);
          await put(row(2, { reference: 'X_q' }));
          expect(await claimed('X', 'X_q')).toEqual(['X', 'X_q']);
        });
      }

      it('a queued row whose outcome reference is taken is refused, named by its own reference', async () => {
        await put(row(1, { reference: 'Y_q' }));
        await expect(put(queued(2, { reference: 'Y' }))).rejects.toMatchObject(duplicate('Y'));
        expect(await s.repo.findById(txn(2))).toBeNull();
      });

      it('a queued row and a row taking its outcome reference cannot be written together', async () => {
        await expect(
          put(queued(1, { reference: 'Z' }), row(2, { reference: 'Z_q' })),
        ).rejects.toMatchObject({ code: 'TXN_DUPLICATE_REFERENCE' });
        expect(await claimed('Z', 'Z_q')).toEqual([]);
      });

      it('an outcome row (outcome_of set) claims nothing: its queued row claimed for it', async () => {
        const q = queued(1, { reference: 'X' });
        await put(q);
        await put(outcomeRow(q, txn(2), T0));
        expect((await s.repo.findByReference('X_q'))?.outcomeOf).toBe(txn(1));
        expect(await claimed('X', 'X_q')).toEqual(['X', 'X_q']);
        // An outcome whose queued row claimed nothing (a row written before the claims existed).
        await put(row(3, { reference: 'W_q', outcomeOf: 'txn_77' }));
        expect(await claimed('W_q')).toEqual([]);
      });

      it("an outcome's reference is still unique among rows", async () => {
        await put(row(3, { reference: 'W_q', outcomeOf: 'txn_77' }));
        await expect(put(row(4, { reference: 'W_q' }))).rejects.toMatchObject(duplicate('W_q'));
      });

      it('a queued row gets at most one outcome', async () => {
        const q = queued(1, { reference: 'X' });
        await put(q);
        await put(outcomeRow(q, txn(2), T0));
        await expect(put(outcomeRow(q, txn(3), T0, 'again'))).rejects.toThrow();
        expect(await s.repo.findById(txn(3))).toBeNull();
      });
    });

    describe('refunds', () => {
      const refund = (target: Transaction, n: number, status: 'APPLIED' | 'QUEUED' = 'APPLIED') =>
        refundRow(target, {
          transactionId: txn(n),
          reference: `${target.transactionId}_refund_${n}`,
          metaData: null,
          status,
          now: T0,
        });

      it('a row is refunded at most once: a second refund is GEN_CONFLICT, naming the row', async () => {
        const t = row(1);
        await put(t);
        await put(refund(t, 2));
        await expect(put(refund(t, 3))).rejects.toMatchObject({
          code: 'GEN_CONFLICT',
          message: expect.stringContaining(`transaction ${txn(1)} has already been refunded`),
        });
        expect(await s.repo.findById(txn(3))).toBeNull();
      });

      it('the outcome of a queued refund repeats refund_of without conflict', async () => {
        const t = row(1);
        await put(t);
        const q = refund(t, 2, 'QUEUED');
        await put(q);
        await put(outcomeRow(q, txn(3), T0));
        expect((await s.repo.findById(txn(3)))?.refundOf).toBe(txn(1));
        await expect(put(refund(t, 4))).rejects.toMatchObject({ code: 'GEN_CONFLICT' });
      });

      it('refunded: by a refund row (applied or queued), never by a reference or an outcome alone', async () => {
        const targets = [1, 2, 3, 4, 5].map((n) => row(n));
        await put(...targets);
        await put(refund(targets[0], 11));
        await put(refund(targets[1], 12, 'QUEUED'));
        // A client's row named like a refund of txn_03 is not one.
        await put(
          row(13, { reference: `${txn(3)}_refund`, source: 'bln_b', destination: 'bln_a' }),
        );
        // An outcome carrying refund_of, without its queued refund row.
        await put(row(14, { reference: 'o_q', refundOf: txn(4), outcomeOf: 'txn_88' }));
        const done = await s.uow.run((tx) => s.repo.refunded(tx, ids(targets)));
        expect([...done].sort()).toEqual([txn(1), txn(2)]);
        expect([...(await s.uow.run((tx) => s.repo.refunded(tx, [])))]).toEqual([]);
      });

      it('lockRefundable: the APPLIED rows `id` names (itself, children, queued request), in id order', async () => {
        await put(
          row(1, { reference: 'pay_refund' }),
          // Children of a split parent that has no row, written out of id order.
          row(22, { parentTransaction: 'txn_20' }),
          row(21, { parentTransaction: 'txn_20' }),
          row(23, { parentTransaction: 'txn_20', status: 'INFLIGHT' }),
          // Outcomes of a queued request, by the queued_parent column.
          row(31, { queuedParent: 'txn_30', parentTransaction: 'txn_39' }),
          row(32, { queuedParent: 'txn_30', status: 'REJECTED' }),
          row(41, { status: 'QUEUED' }),
          // Linked only through client metadata: not related.
          row(51, { metaData: { QUEUED_PARENT_TRANSACTION: 'txn_30' } }),
        );
        const lock = (id: string) => s.uow.run((tx) => s.repo.lockRefundable(tx, id));
        // A reference ending in _refund is a client's choice, not a refund.
        expect(ids(await lock(txn(1)))).toEqual([txn(1)]);
        expect(ids(await lock('txn_20'))).toEqual([txn(21), txn(22)]);
        expect(ids(await lock('txn_30'))).toEqual([txn(31)]);
        expect(ids(await lock('txn_39'))).toEqual([txn(31)]);
        expect(await lock(txn(41))).toEqual([]);
        expect(await lock('txn_99')).toEqual([]);
        // A refund row is not refundable, though its parent is the row it reverses.
        await put(refund((await s.repo.findById(txn(1)))!, 61));
        expect(ids(await lock(txn(1)))).toEqual([txn(1)]);
        expect(await lock(txn(61))).toEqual([]);
      });
    });

    describe('holds', () => {
      it('lockInflight: the INFLIGHT rows `id` names, by column, in id order', async () => {
        const q = queued(31, { inflight: true, queuedParent: 'txn_30' });
        await put(
          row(10, { status: 'INFLIGHT', inflight: true }),
          row(22, { status: 'INFLIGHT', parentTransaction: 'txn_20' }),
          row(21, { status: 'INFLIGHT', parentTransaction: 'txn_20' }),
          row(23, { status: 'APPLIED', parentTransaction: 'txn_20' }),
          q,
          row(51, { status: 'INFLIGHT', metaData: { QUEUED_PARENT_TRANSACTION: 'txn_10' } }),
        );
        await put(outcomeRow(q, txn(32), T0));
        const lock = (id: string) => s.uow.run((tx) => s.repo.lockInflight(tx, id));
        expect(ids(await lock(txn(10)))).toEqual([txn(10)]);
        expect(ids(await lock('txn_20'))).toEqual([txn(21), txn(22)]);
        // The outcome, by its queued request (queued_parent) and by its queued row (parent).
        expect(ids(await lock('txn_30'))).toEqual([txn(32)]);
        expect(ids(await lock(txn(31)))).toEqual([txn(32)]);
        expect(await lock(txn(23))).toEqual([]);
        expect(await lock('txn_99')).toEqual([]);
        expect((await lock(txn(10)))[0]).toEqual(row(10, { status: 'INFLIGHT', inflight: true }));
      });

      it('holdStates: the commits and voids that settle each hold, by the settles column', async () => {
        const h1 = row(1, { status: 'INFLIGHT', inflight: true, preciseAmount: 100n });
        const h2 = row(2, { status: 'INFLIGHT', inflight: true, preciseAmount: 100n });
        const h3 = row(3, { status: 'INFLIGHT', inflight: true, preciseAmount: 100n });
        await put(h1, h2, h3);
        const settle = (hold: Transaction, n: number, amount: bigint, status: 'APPLIED' | 'VOID') =>
          settlementRow(hold, {
            transactionId: txn(n),
            reference: `s-${n}`,
            amount,
            status,
            now: T0,
          });
        await put(
          settle(h1, 11, 30n, 'APPLIED'),
          settle(h1, 12, 20n, 'APPLIED'),
          settle(h2, 13, 10n, 'APPLIED'),
          settle(h2, 14, 90n, 'VOID'),
          // A child of h3 that settles nothing (no settles column): not counted.
          row(15, { parentTransaction: txn(3), preciseAmount: 40n }),
        );
        const states = await s.uow.run((tx) =>
          s.repo.holdStates(tx, [txn(1), txn(2), txn(3), 'txn_99']),
        );
        expect(states).toEqual(
          new Map([
            [txn(1), { committed: 50n, voided: false }],
            [txn(2), { committed: 10n, voided: true }],
            [txn(3), { committed: 0n, voided: false }],
            ['txn_99', { committed: 0n, voided: false }],
          ]),
        );
      });
    });

    describe('families and metadata', () => {
      it('findFamilyMember: the row itself, else a row whose parent it is', async () => {
        await put(
          row(1),
          row(2, { parentTransaction: txn(1) }),
          row(3, { parentTransaction: 'txn_20' }),
        );
        expect((await s.repo.findFamilyMember(txn(1)))?.transactionId).toBe(txn(1));
        expect((await s.repo.findFamilyMember('txn_20'))?.transactionId).toBe(txn(3));
        expect(await s.repo.findFamilyMember('txn_99')).toBeNull();
        const inTx = await s.uow.run((tx) => s.repo.findFamilyMember(txn(2), tx));
        expect(inTx?.transactionId).toBe(txn(2));
      });

      it('mergeMetaData: shallow-merges into the row and its children, and counts them', async () => {
        await put(
          row(1, { metaData: { a: 1, keep: 'yes' } }),
          row(2, { parentTransaction: txn(1) }),
          row(3, { metaData: { a: 1 } }),
        );
        const merge = (id: string, patch: Record<string, unknown>) =>
          s.uow.run((tx) => s.repo.mergeMetaData(tx, id, patch));
        expect(await merge(txn(1), { a: { x: 1 }, b: 2 })).toBe(2);
        expect((await s.repo.findById(txn(1)))?.metaData).toEqual({
          a: { x: 1 },
          b: 2,
          keep: 'yes',
        });
        expect((await s.repo.findById(txn(2)))?.metaData).toEqual({ a: { x: 1 }, b: 2 });
        expect((await s.repo.findById(txn(3)))?.metaData).toEqual({ a: 1 });
        expect(await merge('txn_99', { a: 2 })).toBe(0);
      });

      it('a row read back is a copy: changing it changes nothing stored', async () => {
        await put(row(1, { metaData: { a: 1 } }));
        const got = (await s.repo.findById(txn(1)))!;
        got.status = 'VOID';
        got.metaData!.a = 2;
        expect(await s.repo.findById(txn(1))).toEqual(row(1, { metaData: { a: 1 } }));
      });
    });

    describe('list', () => {
      it('pages newest first by default (created_at, then insertion order), oldest first on asc', async () => {
        await put(row(1, { createdAt: at(0) }), row(2, { createdAt: at(2000) }));
        await put(row(3, { createdAt: at(1000) }), row(4, { createdAt: at(1000) }));
        const page = async (limit: number, offset: number, asc = false) =>
          ids(
            (await s.repo.list({ ...plainList(limit, offset), sortOrder: asc ? 'asc' : 'desc' }))
              .items,
          );
        expect(await page(3, 0)).toEqual([txn(2), txn(4), txn(3)]);
        expect(await page(3, 3)).toEqual([txn(1)]);
        expect(await page(2, 0, true)).toEqual([txn(1), txn(3)]);
        const counted = await s.repo.list({ ...plainList(2, 0), includeCount: true });
        expect(counted.totalCount).toBe(4);
        expect(counted.items).toHaveLength(2);
      });
    });
  });
}
