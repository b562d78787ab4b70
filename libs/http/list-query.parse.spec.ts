import { DomainError } from '@libs/core/domain-error';
import {
  hasFilterParams,
  parseFilterBody,
  parseQueryFilters,
  QueryListOptions,
  resolveOperator,
  typeQueryValue,
} from './list-query.parse';
import { MAX_LIST_LIMIT } from '@libs/core/list-query';

const LEDGERS: QueryListOptions = {
  defaultLimit: 10,
  invalidLimit: 'error',
  maxLimit: 100,
  overMaxLimit: 20,
};
const TRANSACTIONS: QueryListOptions = {
  defaultLimit: 20,
  invalidLimit: 'default',
  maxLimit: 1000,
};

function caught(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
}

describe('resolveOperator', () => {
  it.each([
    ['eq', 'eq'],
    ['ne', 'ne'],
    ['neq', 'ne'],
    ['gt', 'gt'],
    ['gte', 'gte'],
    ['gteq', 'gte'],
    ['lt', 'lt'],
    ['lte', 'lte'],
    ['lteq', 'lte'],
    ['in', 'in'],
    ['between', 'between'],
    ['like', 'like'],
    ['ilike', 'ilike'],
    ['isnull', 'isnull'],
    ['isnotnull', 'isnotnull'],
    ['GTE', 'gte'],
    ['IsNotNull', 'isnotnull'],
  ])('%s -> %s', (word, op) => expect(resolveOperator(word)).toBe(op));

  it.each(['equals', 'id', 'constructor', '__proto__', ''])('%s is not an operator', (w) =>
    expect(resolveOperator(w)).toBeUndefined(),
  );
});

describe('typeQueryValue', () => {
  it.each<[string, unknown]>([
    ['42', 42],
    ['-7', -7],
    ['0', 0],
    ['1.5', 1.5],
    ['true', true],
    ['false', false],
    ['12345678901234567890', 12345678901234567890n],
    ['007', '007'],
    ['1.50', '1.50'],
    ['+5', '+5'],
    ['08012345678', '08012345678'],
    ['TRUE', 'TRUE'],
    ['2024-01-15', '2024-01-15'],
    ['USD', 'USD'],
    ['', ''],
  ])('%j -> %j', (raw, typed) => expect(typeQueryValue(raw)).toEqual(typed));
});

describe('parseQueryFilters', () => {
  it('turns <field>_<op> params into filters, splitting at the last underscore', () => {
    const q = parseQueryFilters(
      {
        status_eq: 'APPLIED',
        parent_transaction_neq: 'txn_1',
        amount_gteq: '100',
        amount_LT: '200.5',
        'meta_data.customer_id_eq': '42',
        identity_id_isnull: 'true',
        indicator_isnotnull: '',
        currency_in: 'USD, EUR,NGN',
        created_at_between: '2024-01-01|2024-12-31',
        name_like: '%acme%',
        name_ilike: 'ACME%',
        amount_gt: '1',
        amount_lte: '9',
        reference_ne: 'r',
      },
      TRANSACTIONS,
    );
    expect(q.filters).toEqual([
      { field: 'status', operator: 'eq', value: 'APPLIED' },
      { field: 'parent_transaction', operator: 'ne', value: 'txn_1' },
      { field: 'amount', operator: 'gte', value: 100 },
      { field: 'amount', operator: 'lt', value: 200.5 },
      { field: 'meta_data.customer_id', operator: 'eq', value: 42 },
      { field: 'identity_id', operator: 'isnull' },
      { field: 'indicator', operator: 'isnotnull' },
      { field: 'currency', operator: 'in', values: ['USD', 'EUR', 'NGN'] },
      { field: 'created_at', operator: 'between', values: ['2024-01-01', '2024-12-31'] },
      { field: 'name', operator: 'like', value: '%acme%' },
      { field: 'name', operator: 'ilike', value: 'ACME%' },
      { field: 'amount', operator: 'gt', value: 1 },
      { field: 'amount', operator: 'lte', value: 9 },
      { field: 'reference', operator: 'ne', value: 'r' },
    ]);
    expect(q).toMatchObject({ logicalOperator: 'and', limit: 20, offset: 0, sortOrder: 'desc' });
    expect(q.includeCount).toBe(false);
    expect(q.sortBy).toBeUndefined();
  });

  it('ignores reserved params, params without an operator suffix and absent values', () => {
    const q = parseQueryFilters(
      {
        page: '2',
        PageSize: '5',
        per_page: '5',
        sort: 'x',
        order: 'asc',
        order_by: 'name',
        order_dir: 'asc',
        instance_id: '1',
        org_id: '2',
        from_source: 'true',
        include: 'ledger',
        name_contains: 'x',
        status_eq: undefined,
      },
      TRANSACTIONS,
    );
    expect(q.filters).toEqual([]);
  });

  it('takes the first of repeated values', () => {
    const q = parseQueryFilters({ status_eq: ['APPLIED', 'VOID'] }, TRANSACTIONS);
    expect(q.filters).toEqual([{ field: 'status', operator: 'eq', value: 'APPLIED' }]);
  });

  it('reads logical_operator case-insensitively', () => {
    expect(parseQueryFilters({ logical_operator: 'OR' }, TRANSACTIONS).logicalOperator).toBe('or');
    expect(parseQueryFilters({ logical_operator: 'and' }, TRANSACTIONS).logicalOperator).toBe(
      'and',
    );
  });

  it('collects every parse error into one GEN_VALIDATION_ERROR with Param/Message details', () => {
    const e = caught(() =>
      parseQueryFilters(
        {
          logical_operator: 'xor',
          created_at_between: '2024-01-01',
          currency_in: Array.from({ length: 101 }, (_, i) => `c${i}`).join(','),
          name_eq: 'x'.repeat(1001),
          status_eq: 'ok',
        },
        TRANSACTIONS,
      ),
    );
    expect(e.code).toBe('GEN_VALIDATION_ERROR');
    expect(e.message).toBe('invalid filter parameters');
    expect(e.legacyKey).toBe('errors');
    expect(e.details).toEqual([
      { Param: 'logical_operator', Message: "invalid logical_operator: must be 'and' or 'or'" },
      {
        Param: 'created_at_between',
        Message: 'between operator requires exactly 2 pipe-separated values (value1|value2)',
      },
      { Param: 'currency_in', Message: 'IN operator exceeds maximum values (100)' },
      { Param: 'name_eq', Message: 'value exceeds maximum length (1000 chars)' },
    ]);
  });

  it('accepts 100 in-values and refuses the 21st filter', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => `c${i}`).join(',');
    expect(
      parseQueryFilters({ currency_in: hundred }, TRANSACTIONS).filters[0].values,
    ).toHaveLength(100);
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`f${i}_eq`, 'x']));
    const e = caught(() => parseQueryFilters(many, TRANSACTIONS));
    expect(e.details).toEqual([
      { Param: 'f20_eq', Message: 'exceeded maximum number of filters (20)' },
    ]);
  });

  describe('limit and offset', () => {
    it('uses the defaults when absent', () => {
      expect(parseQueryFilters({}, LEDGERS)).toMatchObject({ limit: 10, offset: 0 });
      expect(parseQueryFilters({ limit: '' }, TRANSACTIONS)).toMatchObject({ limit: 20 });
    });

    it('honours valid values', () => {
      expect(parseQueryFilters({ limit: '55', offset: '7' }, LEDGERS)).toMatchObject({
        limit: 55,
        offset: 7,
      });
    });

    it.each(['0', '-1', 'abc', '1.5', '10x'])('invalidLimit=error refuses limit %j', (limit) => {
      const e = caught(() => parseQueryFilters({ limit }, LEDGERS));
      expect(e).toMatchObject({
        code: 'GEN_VALIDATION_ERROR',
        message: 'Invalid limit value',
        legacyKey: 'errors',
        details: undefined,
      });
    });

    it.each(['-1', 'x'])('invalidLimit=error refuses offset %j', (offset) => {
      const e = caught(() => parseQueryFilters({ offset }, LEDGERS));
      expect(e).toMatchObject({ code: 'GEN_VALIDATION_ERROR', message: 'Invalid offset value' });
    });

    it('invalidLimit=default silently falls back', () => {
      expect(parseQueryFilters({ limit: '0', offset: '-3' }, TRANSACTIONS)).toMatchObject({
        limit: 20,
        offset: 0,
      });
      expect(parseQueryFilters({ limit: 'abc' }, TRANSACTIONS).limit).toBe(20);
    });

    it('replaces a limit above maxLimit with overMaxLimit, or clamps without one', () => {
      expect(parseQueryFilters({ limit: '100' }, LEDGERS).limit).toBe(100);
      expect(parseQueryFilters({ limit: '101' }, LEDGERS).limit).toBe(20);
      expect(parseQueryFilters({ limit: '5000' }, TRANSACTIONS).limit).toBe(1000);
    });

    it(`never returns more than MAX_LIST_LIMIT (${MAX_LIST_LIMIT}) rows, whatever the options`, () => {
      const unbounded = { defaultLimit: 10, invalidLimit: 'error' as const };
      expect(parseQueryFilters({ limit: '5000' }, unbounded).limit).toBe(MAX_LIST_LIMIT);
      expect(parseQueryFilters({ limit: '1000' }, unbounded).limit).toBe(1000);
      // GET /identities without filters: "every row" becomes the first MAX_LIST_LIMIT.
      const everything = {
        defaultLimit: Number.MAX_SAFE_INTEGER,
        invalidLimit: 'default' as const,
      };
      expect(parseQueryFilters({}, everything).limit).toBe(MAX_LIST_LIMIT);
    });
  });
});

describe('hasFilterParams', () => {
  it('is true only when a non-reserved param has an operator suffix', () => {
    expect(hasFilterParams({ status_eq: 'APPLIED' })).toBe(true);
    expect(hasFilterParams({ 'meta_data.k_ISNULL': '' })).toBe(true);
    expect(hasFilterParams({ limit: '10', offset: '0', logical_operator: 'or' })).toBe(false);
    expect(hasFilterParams({ include: 'ledger', from_source: 'true' })).toBe(false);
    expect(hasFilterParams({ status_eq: undefined })).toBe(false);
    expect(hasFilterParams({})).toBe(false);
  });
});

describe('parseFilterBody', () => {
  it('maps a full body', () => {
    const q = parseFilterBody({
      filters: [
        { field: 'status', operator: 'eq', value: 'APPLIED' },
        { field: 'currency', operator: 'in', values: ['USD', 'EUR'] },
        { field: 'amount', operator: 'GTE', value: 12345678901234567890n },
        { field: 'identity_id', operator: 'isnull' },
      ],
      logical_operator: 'or',
      limit: 50,
      offset: 10,
      sort_by: 'amount',
      sort_order: 'asc',
      include_count: true,
    });
    expect(q).toEqual({
      filters: [
        { field: 'status', operator: 'eq', value: 'APPLIED' },
        { field: 'currency', operator: 'in', values: ['USD', 'EUR'] },
        { field: 'amount', operator: 'gte', value: 12345678901234567890n },
        { field: 'identity_id', operator: 'isnull' },
      ],
      logicalOperator: 'or',
      limit: 50,
      offset: 10,
      sortBy: 'amount',
      sortOrder: 'asc',
      includeCount: true,
    });
  });

  it('applies the defaults', () => {
    expect(parseFilterBody({})).toEqual({
      filters: [],
      logicalOperator: 'and',
      limit: 20,
      offset: 0,
      sortBy: undefined,
      sortOrder: 'desc',
      includeCount: false,
    });
  });

  it.each<[unknown, number]>([
    [0, 20],
    [101, 20],
    [-5, 20],
    [2.5, 20],
    [12345678901234567890n, 20],
    [null, 20],
    [1, 1],
    [100, 100],
  ])('limit %j -> %d', (limit, expected) =>
    expect(parseFilterBody({ limit }).limit).toBe(expected),
  );

  it('falls back for a negative offset and an unknown sort order', () => {
    const q = parseFilterBody({ offset: -1, sort_order: 'sideways' });
    expect(q).toMatchObject({ offset: 0, sortOrder: 'desc' });
  });

  it.each<[string, unknown, string]>([
    ['a non-object body', [], 'request body must be a JSON object'],
    ['a null body', null, 'request body must be a JSON object'],
    ['a string body', 'filters', 'request body must be a JSON object'],
    ['an unknown top-level key', { filters: [], page: 2 }, 'page: unknown field.'],
    ['filters that is not an array', { filters: {} }, 'filters: must be an array.'],
    ['a filter that is not an object', { filters: ['x'] }, 'filters[0]: must be an object.'],
    ['a filter without field', { filters: [{ operator: 'eq' }] }, 'filters[0].field: is required.'],
    [
      'a filter without operator',
      { filters: [{ field: 'status', value: 1 }] },
      'filters[0].operator: is required.',
    ],
    [
      'an unknown key in a filter',
      { filters: [{ field: 'a', operator: 'eq', value: 1, op: 'x' }] },
      'filters[0].op: unknown field.',
    ],
    [
      'values that is not an array',
      { filters: [{ field: 'a', operator: 'in', values: 'USD' }] },
      'filters[0].values: must be an array.',
    ],
    [
      'a bad logical_operator',
      { logical_operator: 'xor' },
      "logical_operator: must be 'and' or 'or'.",
    ],
    [
      'a non-string logical_operator',
      { logical_operator: 1 },
      'logical_operator: must be a string.',
    ],
    ['a string limit', { limit: '10' }, 'limit: must be a number.'],
    ['a string offset', { offset: '1' }, 'offset: must be a number.'],
    ['a non-boolean include_count', { include_count: 'yes' }, 'include_count: must be a boolean.'],
    ['a non-string sort_by', { sort_by: 3 }, 'sort_by: must be a string.'],
  ])('refuses %s with GEN_VALIDATION_ERROR', (_what, body, message) => {
    const e = caught(() => parseFilterBody(body));
    expect(e).toMatchObject({ code: 'GEN_VALIDATION_ERROR', message, legacyKey: 'errors' });
  });

  it('refuses an unknown operator as a bad filter (GEN_BAD_REQUEST)', () => {
    const e = caught(() => parseFilterBody({ filters: [{ field: 'status', operator: 'equals' }] }));
    expect(e.code).toBe('GEN_BAD_REQUEST');
    expect(e.message).toBe('Invalid filter: unknown operator "equals" for field "status"');
    expect(e.legacyKey).toBe('error');
  });
});
