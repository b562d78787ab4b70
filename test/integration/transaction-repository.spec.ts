import { DataSource } from 'typeorm';
import { TypeOrmUnitOfWork } from '@libs/persistence/typeorm-unit-of-work';
import { TransactionPgRepository } from '../../src/modules/transaction/infrastructure/postgres/transaction.pg-repository';
import { NO_ENGINE_FIELDS, Transaction } from '../../src/modules/transaction/domain/transaction';
import { BACKENDS, createTestDatabase, openDataSource, TestDatabase } from '../support/database';

const row = (over: Partial<Transaction>): Transaction => ({
  ...NO_ENGINE_FIELDS,
  transactionId: 'txn_1',
  parentTransaction: '',
  source: 'bln_a',
  destination: 'bln_b',
  reference: 'ref-1',
  amount: '1234567890123456789.01',
  preciseAmount: 123456789012345678901n,
  precision: 100n,
  currency: 'USD',
  description: 'd',
  status: 'APPLIED',
  hash: 'h',
  createdAt: new Date('2026-01-01T00:00:00.123Z'),
  effectiveDate: new Date('2025-12-31T00:00:00Z'),
  scheduledFor: null,
  metaData: { note: true, big: 2n ** 65n },
  ...over,
});

describe.each(BACKENDS)('transaction repository on %s', (kind) => {
  let db: TestDatabase;
  let ds: DataSource;
  let uow: TypeOrmUnitOfWork;
  let repo: TransactionPgRepository;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    ds = await openDataSource(db);
    uow = new TypeOrmUnitOfWork(ds);
    repo = new TransactionPgRepository(ds);
    await ds.query(
      `INSERT INTO balances (balance_id, ledger_id, currency) VALUES ('bln_a','general_ledger_id','USD'),('bln_b','general_ledger_id','USD')`,
    );
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('appends rows and reads them back exactly', async () => {
    await uow.run((tx) =>
      repo.insert(tx, [
        row({}),
        row({
          transactionId: 'txn_2',
          reference: 'ref-2',
          parentTransaction: 'txn_1',
          metaData: null,
        }),
      ]),
    );
    expect(await repo.findById('txn_1')).toEqual(row({}));
    expect((await repo.findByReference('ref-2'))?.transactionId).toBe('txn_2');
    expect(await repo.findById('txn_none')).toBeNull();
  });

  it('refuses a duplicate reference with the reference in the message, and writes nothing', async () => {
    await expect(
      uow.run((tx) =>
        repo.insert(tx, [
          row({ transactionId: 'txn_3', reference: 'ref-3' }),
          row({ transactionId: 'txn_4', reference: 'ref-1' }),
        ]),
      ),
    ).rejects.toMatchObject({
      code: 'TXN_DUPLICATE_REFERENCE',
      message: expect.stringContaining('ref-1'),
    });
    expect(await repo.findById('txn_3')).toBeNull();
  });

  it('merges metadata into a row and its children', async () => {
    expect(await uow.run((tx) => repo.mergeMetaData(tx, 'txn_1', { tag: 'x' }))).toBe(2);
    expect((await repo.findById('txn_2'))?.metaData).toEqual({ tag: 'x' });
    expect((await repo.findById('txn_1'))?.metaData).toEqual({
      note: true,
      big: 2n ** 65n,
      tag: 'x',
    });
    expect(await uow.run((tx) => repo.mergeMetaData(tx, 'txn_none', { tag: 'x' }))).toBe(0);
  });
});
