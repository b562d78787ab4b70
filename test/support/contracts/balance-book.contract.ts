import type { UnitOfWork } from '@libs/core/unit-of-work';
import type { BalanceBook } from '../../../src/modules/balance/application/ports/balance-book';
import {
  type Balance,
  credit,
  debit,
  newIndicatorBalance,
} from '../../../src/modules/balance/domain/balance';
import { T0, usd } from './fixtures';

export interface BalanceBookSubject {
  uow: UnitOfWork;
  book: BalanceBook;
  /** Creates (and commits) these balances exactly as given. */
  seed(balances: Balance[]): Promise<void>;
}

/**
 * What every BalanceBook does, the Postgres adapter and the fake alike. `make` returns a subject
 * on an empty store (called before each case).
 */
export function describeBalanceBookContract(
  name: string,
  make: () => Promise<BalanceBookSubject>,
): void {
  describe(`BalanceBook contract: ${name}`, () => {
    let s: BalanceBookSubject;
    const a = usd('bln_a', 1000n, { version: 3, metaData: { owner: 'ann' } });
    const b = usd('bln_b');
    const c = usd('bln_c', 0n, { currency: 'EUR' });
    const read = (...ids: string[]) => s.uow.run((tx) => s.book.lockForUpdate(tx, ids));

    beforeEach(async () => {
      s = await make();
      await s.seed([a, b, c]);
    });

    it('lockForUpdate: the existing balances as stored, once each, in ascending id order', async () => {
      const locked = await read('bln_c', 'bln_nope', 'bln_a', 'bln_c');
      expect([...locked.keys()]).toEqual(['bln_a', 'bln_c']);
      expect(locked.get('bln_a')).toEqual(a);
      expect(locked.get('bln_c')).toEqual(c);
      expect(await read()).toEqual(new Map());
    });

    it('a balance read is a copy: changing it stores nothing', async () => {
      const got = (await read('bln_a')).get('bln_a')!;
      debit(got, 500n);
      expect((await read('bln_a')).get('bln_a')).toEqual(a);
    });

    it('saveAmounts writes the amounts and bumps each version (by 1, or by its bump)', async () => {
      await s.uow.run(async (tx) => {
        const locked = await s.book.lockForUpdate(tx, ['bln_a', 'bln_b']);
        const [x, y] = [locked.get('bln_a')!, locked.get('bln_b')!];
        debit(x, 300n);
        credit(y, 300n);
        x.inflightDebitBalance = 20n;
        x.inflightBalance = -20n;
        await s.book.saveAmounts(tx, [x, y], [4]);
      });
      const after = await read('bln_a', 'bln_b');
      expect(after.get('bln_a')).toEqual({
        ...a,
        balance: 700n,
        debitBalance: 300n,
        inflightDebitBalance: 20n,
        inflightBalance: -20n,
        version: 7,
      });
      expect(after.get('bln_b')).toEqual({ ...b, balance: 300n, creditBalance: 300n, version: 1 });
    });

    it('saveAmounts writes only amounts and version, whatever else the object says', async () => {
      await s.uow.run(async (tx) => {
        const x = (await s.book.lockForUpdate(tx, ['bln_a'])).get('bln_a')!;
        credit(x, 1n);
        await s.book.saveAmounts(tx, [
          {
            ...x,
            metaData: { owner: 'eve' },
            indicator: '@Other',
            ledgerId: 'ldg_other',
            version: 99,
          },
        ]);
      });
      expect((await read('bln_a')).get('bln_a')).toEqual({
        ...a,
        balance: 1001n,
        creditBalance: 1001n,
        version: 4,
      });
    });

    it('saveAmounts refuses amounts whose derived fields do not add up, and writes none', async () => {
      await expect(
        s.uow.run(async (tx) => {
          const locked = await s.book.lockForUpdate(tx, ['bln_a', 'bln_b']);
          const [x, y] = [locked.get('bln_a')!, locked.get('bln_b')!];
          credit(x, 5n);
          y.balance = 5n; // credit − debit is still 0
          await s.book.saveAmounts(tx, [x, y]);
        }),
      ).rejects.toThrow();
      expect(await read('bln_a', 'bln_b')).toEqual(
        new Map([
          ['bln_a', a],
          ['bln_b', b],
        ]),
      );
    });

    it('saveAmounts of nothing, or of a balance that does not exist, changes nothing', async () => {
      await s.uow.run(async (tx) => {
        await s.book.saveAmounts(tx, []);
        await s.book.saveAmounts(tx, [usd('bln_nope', 5n)]);
      });
      expect(await read('bln_nope')).toEqual(new Map());
    });

    it('a failed unit of work keeps the amounts it saved from being stored', async () => {
      await expect(
        s.uow.run(async (tx) => {
          const x = (await s.book.lockForUpdate(tx, ['bln_a'])).get('bln_a')!;
          debit(x, 1n);
          await s.book.saveAmounts(tx, [x]);
          expect((await s.book.lockForUpdate(tx, ['bln_a'])).get('bln_a')?.balance).toBe(999n);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect((await read('bln_a')).get('bln_a')).toEqual(a);
    });

    it('ensureIndicator: the balance of that indicator and currency, created from the candidate if new', async () => {
      const world = newIndicatorBalance('@World', 'USD', 'bln_w1', T0);
      expect(await s.uow.run((tx) => s.book.ensureIndicator(tx, world))).toBe('bln_w1');
      expect((await read('bln_w1')).get('bln_w1')).toEqual(world);
      const again = newIndicatorBalance('@World', 'USD', 'bln_w2', T0);
      expect(await s.uow.run((tx) => s.book.ensureIndicator(tx, again))).toBe('bln_w1');
      expect(await read('bln_w2')).toEqual(new Map());
      const eur = newIndicatorBalance('@World', 'EUR', 'bln_w3', T0);
      expect(await s.uow.run((tx) => s.book.ensureIndicator(tx, eur))).toBe('bln_w3');
    });

    it('an indicator balance created in a failed unit of work is gone with it', async () => {
      await expect(
        s.uow.run(async (tx) => {
          await s.book.ensureIndicator(tx, newIndicatorBalance('@Fees', 'USD', 'bln_f1', T0));
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await read('bln_f1')).toEqual(new Map());
    });

    it('currencies: of the existing balances only', async () => {
      const got = await s.uow.run((tx) => s.book.currencies(tx, ['bln_a', 'bln_c', 'bln_nope']));
      expect(got).toEqual(
        new Map([
          ['bln_a', 'USD'],
          ['bln_c', 'EUR'],
        ]),
      );
    });
  });
}
