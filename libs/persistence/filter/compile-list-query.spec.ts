import { DataSource } from 'typeorm';
import { DomainError } from '@libs/core/domain-error';
import {
  FieldFilter,
  FilterOperator,
  ListQuery,
  MAX_LIST_LIMIT,
  plainList,
} from '@libs/core/list-query';
import { createTestDatabase, openDataSource, TestDatabase } from '../../../test/support/database';
import { compileListQuery } from './compile-list-query';
import type { TableSpec } from './table-spec';
import { BALANCES_TABLE } from '../../../src/modules/balance/infrastructure/postgres/balance.table';
import { LEDGERS_TABLE } from '../../../src/modules/ledger/infrastructure/postgres/ledger.table';
import { TRANSACTIONS_TABLE } from '../../../src/modules/transaction/infrastructure/postgres/transaction.table';

const ID_COLUMN = new Map<TableSpec, string>([
  [LEDGERS_TABLE, 'ledger_id'],
  [BALANCES_TABLE, 'balance_id'],
  [TRANSACTIONS_TABLE, 'transaction_id'],
]);

function f(field: string, operator: FilterOperator | string, value?: unknown): FieldFilter {
  const filter = { field, operator } as FieldFilter;
  if (operator === 'in' || operator === 'between') filter.values = value as unknown[];
  else if (value !== undefined) filter.value = value;
  return filter;
}

function query(filters: FieldFilter[], more: Partial<ListQuery> = {}): ListQuery {
  return { ...plainList(100, 0), filters, ...more };
}

function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

describe('compileListQuery', () => {
  let db: TestDatabase;
  let ds: DataSource;

  /** Ids in page order, as a list endpoint would run the compiled fragments. */
  async function page(spec: TableSpec, q: ListQuery): Promise<string[]> {
    const c = compileListQuery(spec, q);
    const sql =
      `SELECT ${ID_COLUMN.get(spec)} AS id FROM ${spec.table} ${c.where} ` +
      `ORDER BY ${c.orderBy} LIMIT ${c.limit} OFFSET ${c.offset}`;
    const rows: { id: string }[] = await ds.query(sql, c.params);
    return rows.map((r) => r.id);
  }

  async function ids(spec: TableSpec, ...filters: FieldFilter[]): Promise<string[]> {
    return (await page(spec, query(filters))).sort();
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await openDataSource(db);
    await ds.query(`DELETE FROM ledgers`);
    await ds.query(`
      INSERT INTO ledgers (ledger_id, name, created_at, meta_data) VALUES
      ('ldg_a', 'Alpha', '2024-01-15T10:30:00Z',
        '{"customer_id": 42, "tier": "gold", "score": 10}'),
      ('ldg_b', 'Beta', '2024-01-15T23:59:59.999Z',
        '{"customer_id": "42", "tier": "silver", "score": "abc"}'),
      ('ldg_c', 'Gamma', '2024-01-16T00:00:00Z', '{"tier": null, "score": 150, "big": "1e99999"}'),
      ('ldg_d', 'delta', '2024-02-01T12:00:00.123456Z', NULL),
      ('ldg_e', 'O''Brien; --', '2024-01-15T10:30:00Z', '{"score": "7.5"}')`);
    await ds.query(`
      INSERT INTO balances (balance_id, ledger_id, indicator, currency, balance, credit_balance,
        debit_balance, created_at, meta_data) VALUES
      ('bln_1', 'ldg_a', NULL, 'USD', 1000, 1000, 0, '2024-03-01T00:00:00Z', NULL),
      ('bln_2', 'ldg_a', '@World', 'EUR', -500, 0, 500, '2024-03-02T00:00:00Z', NULL),
      ('bln_3', 'ldg_b', '@Fees', 'USD', 99999999999999999999999, 99999999999999999999999, 0,
        '2024-03-03T00:00:00Z', NULL),
      ('bln_4', 'ldg_b', NULL, 'NGN', 0, 0, 0, '2024-03-04T00:00:00Z', '{"kind": "wallet"}')`);
    await ds.query(`
      INSERT INTO transactions (transaction_id, source, destination, reference, amount,
        precise_amount, precision, currency, status, hash, created_at, effective_date) VALUES
      ('txn_1', 'bln_1', 'bln_2', 'r1', 10.5, 1050, 100, 'USD', 'APPLIED', 'h', '2024-04-01',
        '2024-04-01'),
      ('txn_2', 'bln_2', 'bln_3', 'r2', 20, 20, 1, 'USD', 'QUEUED', 'h', '2024-04-02', NULL),
      ('txn_3', 'bln_3', 'bln_4', 'r3', 30, 30, 1, 'EUR', 'APPLIED', 'h', '2024-04-03', NULL),
      ('txn_4', 'bln_4', 'bln_1', 'r4', 0, 0, 1, 'NGN', 'REJECTED', 'h', '2024-04-04', NULL),
      ('txn_5', NULL, NULL, 'r5', 5, 5, 1, 'USD', 'QUEUED', 'h', '2024-04-05', NULL)`);
    await ds.query(`
      INSERT INTO identity (identity_id, dob) VALUES
      ('idt_1', '1990-05-17'), ('idt_2', NULL), ('idt_3', '2000-01-01')`);
    // A balance that tracks lineage has an identity (balances_lineage_needs_identity).
    await ds.query(
      `UPDATE balances SET track_fund_lineage = true, identity_id = 'idt_1' WHERE balance_id = 'bln_1'`,
    );
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('compiles no filters to an empty WHERE and a stable default order', () => {
    expect(compileListQuery(LEDGERS_TABLE, plainList(10, 5))).toEqual({
      where: '',
      params: [],
      orderBy: '"ledgers"."created_at" DESC, "ledgers"."id" DESC',
      limit: 10,
      offset: 5,
    });
  });

  it.each<[string, FieldFilter, string[]]>([
    ['eq', f('name', 'eq', 'Alpha'), ['ldg_a']],
    ['ne', f('name', 'ne', 'Alpha'), ['ldg_b', 'ldg_c', 'ldg_d', 'ldg_e']],
    ['gt', f('ledger_id', 'gt', 'ldg_c'), ['ldg_d', 'ldg_e']],
    ['gte', f('ledger_id', 'gte', 'ldg_c'), ['ldg_c', 'ldg_d', 'ldg_e']],
    ['lt', f('ledger_id', 'lt', 'ldg_b'), ['ldg_a']],
    ['lte', f('ledger_id', 'lte', 'ldg_b'), ['ldg_a', 'ldg_b']],
    ['in', f('name', 'in', ['Beta', 'delta', 'nope']), ['ldg_b', 'ldg_d']],
    ['between', f('ledger_id', 'between', ['ldg_b', 'ldg_d']), ['ldg_b', 'ldg_c', 'ldg_d']],
    ['like', f('name', 'like', '%a'), ['ldg_a', 'ldg_b', 'ldg_c', 'ldg_d']],
    ['ilike', f('name', 'ilike', 'D%'), ['ldg_d']],
  ])('text %s', async (_op, filter, expected) => {
    expect(await ids(LEDGERS_TABLE, filter)).toEqual(expected);
  });

  it.each<[string, FieldFilter, string[]]>([
    ['isnull', f('indicator', 'isnull'), ['bln_1', 'bln_4']],
    ['isnotnull ignores its value', f('indicator', 'isnotnull', 'whatever'), ['bln_2', 'bln_3']],
    ['numeric gt', f('balance', 'gt', 0), ['bln_1', 'bln_3']],
    ['numeric lt', f('balance', 'lt', '0'), ['bln_2']],
    ['numeric eq (bigint)', f('balance', 'eq', 99999999999999999999999n), ['bln_3']],
    ['numeric eq (string)', f('balance', 'eq', '99999999999999999999999'), ['bln_3']],
    ['numeric gte 1e3', f('balance', 'gte', '1e3'), ['bln_1', 'bln_3']],
    ['numeric between', f('balance', 'between', [-500, 0]), ['bln_2', 'bln_4']],
    ['numeric in (mixed types)', f('balance', 'in', [0, '1000']), ['bln_1', 'bln_4']],
    ['numeric like (as text)', f('balance', 'like', '999%'), ['bln_3']],
    ['numeric lte', f('debit_balance', 'lte', 0), ['bln_1', 'bln_3', 'bln_4']],
  ])('balances %s', async (_what, filter, expected) => {
    expect(await ids(BALANCES_TABLE, filter)).toEqual(expected);
  });

  it('compares transaction amounts as numbers', async () => {
    expect(await ids(TRANSACTIONS_TABLE, f('amount', 'eq', 10.5))).toEqual(['txn_1']);
    expect(await ids(TRANSACTIONS_TABLE, f('amount', 'gt', 9))).toEqual([
      'txn_1',
      'txn_2',
      'txn_3',
    ]);
    expect(await ids(TRANSACTIONS_TABLE, f('precision', 'gte', 100))).toEqual(['txn_1']);
    expect(await ids(TRANSACTIONS_TABLE, f('effective_date', 'isnotnull'))).toEqual(['txn_1']);
  });

  it.each<[string, string[]]>([
    ['2024-01-15', ['ldg_a', 'ldg_b', 'ldg_e']],
    ['2024/01/16', ['ldg_c']],
    ['2024-01-15T10', ['ldg_a', 'ldg_e']],
    ['2024-01-15T10:30', ['ldg_a', 'ldg_e']],
    ['2024-01-15 10:30:00', ['ldg_a', 'ldg_e']],
    ['2024-01-15T10:31', []],
    ['2024-01-15T23:59:59Z', ['ldg_b']],
    ['2024-01-15T23:59:59.999Z', ['ldg_b']],
    ['2024-01-15T23:59:59.998', []],
    ['2024-02-01T12:00:00.123', ['ldg_d']],
    ['2024-02-01T12:00:00.123456Z', ['ldg_d']],
    ['2024-02-01T12:00:00.123457', []],
    ['2024-01-16T01+01:00', ['ldg_c']],
    ['2024-01-15T11:30:00+01:00', ['ldg_a', 'ldg_e']],
  ])('created_at eq %s matches the unit the literal names', async (literal, expected) => {
    expect(await ids(LEDGERS_TABLE, f('created_at', 'eq', literal))).toEqual(expected);
  });

  it('binds the exact instant for other timestamp comparisons', async () => {
    const at = '2024-01-15T10:30:00Z';
    expect(await ids(LEDGERS_TABLE, f('created_at', 'gt', at))).toEqual([
      'ldg_b',
      'ldg_c',
      'ldg_d',
    ]);
    expect(await ids(LEDGERS_TABLE, f('created_at', 'gte', at))).toHaveLength(5);
    expect(await ids(LEDGERS_TABLE, f('created_at', 'lt', '2024-01-16'))).toEqual([
      'ldg_a',
      'ldg_b',
      'ldg_e',
    ]);
    const range = f('created_at', 'between', ['2024-01-15T12:00', '2024-01-16']);
    expect(await ids(LEDGERS_TABLE, range)).toEqual(['ldg_b', 'ldg_c']);
    expect(await ids(LEDGERS_TABLE, f('created_at', 'ne', at))).toEqual([
      'ldg_b',
      'ldg_c',
      'ldg_d',
    ]);
    const instants = f('created_at', 'in', ['2024-01-16T00:00:00Z', '2024-02-01']);
    expect(await ids(LEDGERS_TABLE, instants)).toEqual(['ldg_c']);
  });

  it.each<[string, FieldFilter, string[]]>([
    ['eq is type-sensitive (number)', f('meta_data.customer_id', 'eq', 42), ['ldg_a']],
    ['eq is type-sensitive (string)', f('meta_data.customer_id', 'eq', '42'), ['ldg_b']],
    ['eq null', f('meta_data.tier', 'eq', null), ['ldg_c']],
    ['ne compares text', f('meta_data.tier', 'ne', 'gold'), ['ldg_b']],
    ['like', f('meta_data.tier', 'like', 'g%'), ['ldg_a']],
    ['ilike', f('meta_data.tier', 'ilike', 'S%'), ['ldg_b']],
    ['in compares text', f('meta_data.customer_id', 'in', [42, 'x']), ['ldg_a', 'ldg_b']],
    ['gt skips non-numeric values', f('meta_data.score', 'gt', 5), ['ldg_a', 'ldg_c', 'ldg_e']],
    ['gte', f('meta_data.score', 'gte', 150), ['ldg_c']],
    ['lt', f('meta_data.score', 'lt', '10'), ['ldg_e']],
    ['lte', f('meta_data.score', 'lte', 7.5), ['ldg_e']],
    ['between', f('meta_data.score', 'between', [8, 200]), ['ldg_a', 'ldg_c']],
    ['gt never casts an overflowing string', f('meta_data.big', 'gt', 0), []],
    ['isnull = missing or null', f('meta_data.tier', 'isnull'), ['ldg_c', 'ldg_d', 'ldg_e']],
    ['isnotnull', f('meta_data.tier', 'isnotnull'), ['ldg_a', 'ldg_b']],
  ])('meta_data %s', async (_what, filter, expected) => {
    expect(await ids(LEDGERS_TABLE, filter)).toEqual(expected);
  });

  it.each<[string, FieldFilter, string[]]>([
    ['balance_id eq: either leg', f('balance_id', 'eq', 'bln_2'), ['txn_1', 'txn_2']],
    ['balance_id ne: neither leg', f('balance_id', 'ne', 'bln_2'), ['txn_3', 'txn_4']],
    ['balance_id in', f('balance_id', 'in', ['bln_1', 'bln_4']), ['txn_1', 'txn_3', 'txn_4']],
    ['balance_id isnull: both legs', f('balance_id', 'isnull'), ['txn_5']],
    ['balance_id isnotnull', f('balance_id', 'isnotnull'), ['txn_1', 'txn_2', 'txn_3', 'txn_4']],
    ['indicator eq', f('indicator', 'eq', '@World'), ['txn_1', 'txn_2']],
    ['indicator like', f('indicator', 'like', '@F%'), ['txn_2', 'txn_3']],
    ['indicator in', f('indicator', 'in', ['@World', '@Fees']), ['txn_1', 'txn_2', 'txn_3']],
    ['indicator isnull', f('indicator', 'isnull'), ['txn_1', 'txn_3', 'txn_4']],
  ])('transactions %s', async (_what, filter, expected) => {
    expect(await ids(TRANSACTIONS_TABLE, filter)).toEqual(expected);
  });

  it('handles date and boolean columns, so tables added later need only a spec', async () => {
    const identities: TableSpec = {
      table: 'identity',
      fields: {
        dob: { column: 'dob', type: 'date' },
        created_at: { column: 'created_at', type: 'timestamp' },
      },
    };
    const lineage: TableSpec = {
      ...BALANCES_TABLE,
      fields: { lineage: { column: 'track_fund_lineage', type: 'boolean' } },
    };
    ID_COLUMN.set(identities, 'identity_id').set(lineage, 'balance_id');
    expect(await ids(identities, f('dob', 'eq', '1990-05-17'))).toEqual(['idt_1']);
    expect(await ids(identities, f('dob', 'eq', '1990-05-17T23:00:00Z'))).toEqual(['idt_1']);
    expect(await ids(identities, f('dob', 'gt', '1995/01/01'))).toEqual(['idt_3']);
    expect(await ids(identities, f('dob', 'isnull'))).toEqual(['idt_2']);
    expect(refusal(() => compileListQuery(identities, query([f('dob', 'eq', 'x')]))).code).toBe(
      'GEN_BAD_REQUEST',
    );
    expect(await ids(lineage, f('lineage', 'eq', true))).toEqual(['bln_1']);
    expect(await ids(lineage, f('lineage', 'in', ['false']))).toEqual(['bln_2', 'bln_3', 'bln_4']);
    expect(
      refusal(() => compileListQuery(lineage, query([f('lineage', 'eq', 1)]))).message,
    ).toMatch(/true or false/);
  });

  it('combines filters with and / or', async () => {
    const filters = [f('name', 'eq', 'Alpha'), f('name', 'eq', 'Beta')];
    expect(await ids(LEDGERS_TABLE, ...filters)).toEqual([]);
    expect((await page(LEDGERS_TABLE, query(filters, { logicalOperator: 'or' }))).sort()).toEqual([
      'ldg_a',
      'ldg_b',
    ]);
    const both = [f('name', 'like', '%a%'), f('created_at', 'eq', '2024-01-15')];
    expect(await ids(LEDGERS_TABLE, ...both)).toEqual(['ldg_a', 'ldg_b']);
    const mixed = query([f('balance_id', 'eq', 'bln_1'), f('status', 'eq', 'QUEUED')], {
      logicalOperator: 'or',
    });
    expect((await page(TRANSACTIONS_TABLE, mixed)).sort()).toEqual([
      'txn_1',
      'txn_2',
      'txn_4',
      'txn_5',
    ]);
  });

  it('sorts by created_at with the id as tie-breaker, in both directions', async () => {
    expect(await page(LEDGERS_TABLE, query([]))).toEqual([
      'ldg_d',
      'ldg_c',
      'ldg_b',
      'ldg_e',
      'ldg_a',
    ]);
    const asc = query([], { sortOrder: 'asc' });
    expect(await page(LEDGERS_TABLE, asc)).toEqual(['ldg_a', 'ldg_e', 'ldg_b', 'ldg_c', 'ldg_d']);
    const paged: string[] = [];
    for (let offset = 0; offset < 5; offset++) {
      paged.push(...(await page(LEDGERS_TABLE, { ...asc, limit: 1, offset })));
    }
    expect(paged).toEqual(['ldg_a', 'ldg_e', 'ldg_b', 'ldg_c', 'ldg_d']);
  });

  it('sorts by any real field and falls back to created_at otherwise', async () => {
    const by = (sortBy: string, spec: TableSpec = LEDGERS_TABLE) =>
      page(spec, query([], { sortBy, sortOrder: 'asc' }));
    expect(await by(' LEDGER_ID ')).toEqual(['ldg_a', 'ldg_b', 'ldg_c', 'ldg_d', 'ldg_e']);
    expect(await by('balance', BALANCES_TABLE)).toEqual(['bln_2', 'bln_4', 'bln_1', 'bln_3']);
    const fallback = ['ldg_a', 'ldg_e', 'ldg_b', 'ldg_c', 'ldg_d'];
    for (const sortBy of ['meta_data.tier', 'bogus', 'constructor', 'name; DROP TABLE ledgers']) {
      expect(await by(sortBy)).toEqual(fallback);
    }
    const virtualSort = compileListQuery(TRANSACTIONS_TABLE, query([], { sortBy: 'balance_id' }));
    expect(virtualSort.orderBy).toBe('"transactions"."created_at" DESC, "transactions"."id" DESC');
  });

  it('numbers placeholders from firstParam and qualifies columns with the alias', async () => {
    const spec = { ...LEDGERS_TABLE, alias: 'l' };
    const c = compileListQuery(spec, query([f('name', 'in', ['Alpha', 'Beta'])]), 3);
    expect(c.where).toBe('WHERE ("l"."name" = ANY($3::text[]))');
    const rows: { id: string }[] = await ds.query(
      `SELECT l.ledger_id AS id FROM ledgers l ${c.where} AND l.ledger_id <> $1 AND l.name <> $2 ` +
        `ORDER BY ${c.orderBy}`,
      ['ldg_x', 'nobody', ...c.params],
    );
    expect(rows.map((r) => r.id)).toEqual(['ldg_b', 'ldg_a']);
  });

  it('binds hostile values instead of interpolating them', async () => {
    const hostile = ["O'Brien; --", "'); DROP TABLE ledgers; --", 'a,"b"}{\\'];
    const c = compileListQuery(LEDGERS_TABLE, query([f('name', 'in', hostile)]));
    expect(c.where).not.toContain('DROP');
    expect(await ids(LEDGERS_TABLE, f('name', 'in', hostile))).toEqual(['ldg_e']);
    expect(await ids(LEDGERS_TABLE, f('name', 'eq', hostile[0]))).toEqual(['ldg_e']);
    expect(await ids(LEDGERS_TABLE, f('meta_data.tier', 'eq', hostile[1]))).toEqual([]);
    expect(await ids(LEDGERS_TABLE, f('meta_data.tier', 'like', hostile[1]))).toEqual([]);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM ledgers`);
    expect(n).toBe(5);
  });

  it('refuses a LIKE pattern ending in a lone backslash, and keeps escapes and wildcards', async () => {
    for (const filter of [
      f('name', 'like', 'Alpha\\'),
      f('name', 'ilike', '%\\\\\\'),
      f('meta_data.tier', 'like', 'gold\\'),
      f('created_at', 'like', '2024\\'),
    ]) {
      expect(refusal(() => compileListQuery(LEDGERS_TABLE, query([filter]))).message).toMatch(
        /must not end with an unescaped backslash/,
      );
    }
    expect(await ids(LEDGERS_TABLE, f('name', 'like', 'Alph_'))).toEqual(['ldg_a']);
    expect(await ids(LEDGERS_TABLE, f('name', 'like', 'Alpha\\\\'))).toEqual([]);
    expect(await ids(LEDGERS_TABLE, f('name', 'ilike', '%\\; --'))).toEqual(['ldg_e']);
  });

  it('caps the page at MAX_LIST_LIMIT whatever the query asks', () => {
    expect(compileListQuery(LEDGERS_TABLE, plainList(10_000_000, 0)).limit).toBe(MAX_LIST_LIMIT);
    expect(compileListQuery(LEDGERS_TABLE, plainList(7, 0)).limit).toBe(7);
  });

  const longValue = 'x'.repeat(1001);
  it.each<[string, TableSpec, ListQuery, RegExp]>([
    [
      'an injected field',
      LEDGERS_TABLE,
      query([f('name; drop table ledgers', 'eq', 1)]),
      /unknown field/,
    ],
    [
      'a prototype key as field',
      LEDGERS_TABLE,
      query([f('constructor', 'eq', 1)]),
      /unknown field/,
    ],
    ['a field of another table', LEDGERS_TABLE, query([f('balance', 'eq', 1)]), /unknown field/],
    ['an unknown operator', LEDGERS_TABLE, query([f('name', 'eq; drop', 'x')]), /unknown operator/],
    [
      'an injected meta key',
      LEDGERS_TABLE,
      query([f("meta_data.x'); drop", 'eq', 1)]),
      /metadata key/,
    ],
    ['a nested meta key', LEDGERS_TABLE, query([f('meta_data.a.b', 'eq', 1)]), /metadata key/],
    [
      'a meta key starting with a digit',
      LEDGERS_TABLE,
      query([f('meta_data.1x', 'eq', 1)]),
      /metadata key/,
    ],
    ['an empty meta key', LEDGERS_TABLE, query([f('meta_data.', 'isnull')]), /metadata key/],
    ['an object meta value', LEDGERS_TABLE, query([f('meta_data.k', 'eq', { a: 1 })]), /scalar/],
    ['a non-numeric meta bound', LEDGERS_TABLE, query([f('meta_data.k', 'gt', 'abc')]), /number/],
    ['a non-numeric amount', BALANCES_TABLE, query([f('balance', 'gt', 'abc')]), /number/],
    ['a boolean amount', BALANCES_TABLE, query([f('balance', 'eq', true)]), /number/],
    ['a huge exponent', BALANCES_TABLE, query([f('balance', 'gt', '1e99999')]), /number/],
    ['a non-finite number', BALANCES_TABLE, query([f('balance', 'gt', Infinity)]), /finite/],
    ['a word as a date', LEDGERS_TABLE, query([f('created_at', 'gt', 'yesterday')]), /date/],
    ['an impossible date', LEDGERS_TABLE, query([f('created_at', 'eq', '2024-02-30')]), /date/],
    [
      'a date before year 1',
      LEDGERS_TABLE,
      query([f('created_at', 'eq', '0001-01-01T00+01:00')]),
      /range/,
    ],
    ['an epoch number as a date', LEDGERS_TABLE, query([f('created_at', 'lt', 1.7e9)]), /date/],
    ['eq without a value', LEDGERS_TABLE, query([f('name', 'eq')]), /requires a value/],
    ['null for a column', LEDGERS_TABLE, query([f('name', 'eq', null)]), /text value/],
    [
      'in without values',
      LEDGERS_TABLE,
      query([{ field: 'name', operator: 'in', value: 'x' }]),
      /values/,
    ],
    ['in with no values', LEDGERS_TABLE, query([f('name', 'in', [])]), /at least one/],
    [
      'in with 101 values',
      LEDGERS_TABLE,
      query([f('name', 'in', Array(101).fill('x'))]),
      /at most 100/,
    ],
    ['between with 3 values', LEDGERS_TABLE, query([f('name', 'between', [1, 2, 3])]), /exactly 2/],
    ['a value over 1000 chars', LEDGERS_TABLE, query([f('name', 'eq', longValue)]), /1000/],
    ['21 filters', LEDGERS_TABLE, query(Array(21).fill(f('name', 'eq', 'x'))), /at most 20/],
    ['gt on balance_id', TRANSACTIONS_TABLE, query([f('balance_id', 'gt', 'x')]), /not supported/],
    [
      'a bad logical operator',
      LEDGERS_TABLE,
      { ...query([]), logicalOperator: 'xor' as 'and' },
      /logical/,
    ],
    ['a fractional limit', LEDGERS_TABLE, { ...query([]), limit: 1.5 }, /limit/],
    ['a negative offset', LEDGERS_TABLE, { ...query([]), offset: -1 }, /offset/],
  ])('refuses %s with GEN_BAD_REQUEST', async (_what, spec, q, message) => {
    const e = refusal(() => compileListQuery(spec, q));
    expect(e.code).toBe('GEN_BAD_REQUEST');
    expect(e.message).toMatch(/^Invalid filter: /);
    expect(e.message).toMatch(message);
  });
});
