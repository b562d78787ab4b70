import { startTestApp, TestApp } from '../support/app';

/** Lists and filters of ledgers, balances and transactions over HTTP (reference §3). */
describe('lists and filters', () => {
  let t: TestApp;
  const ids: string[] = [];
  let a: string;
  let b: string;

  beforeAll(async () => {
    t = await startTestApp();
    for (let i = 0; i < 25; i++) {
      const r = await t.http('POST', '/ledgers', {
        name: `L${String(i).padStart(2, '0')}`,
        meta_data: { n: i, tier: i % 2 ? 'odd' : 'even' },
      });
      ids.push(r.json.ledger_id);
    }
    a = (
      await t.http('POST', '/balances', {
        ledger_id: ids[0],
        currency: 'USD',
        meta_data: { owner: 'ann' },
      })
    ).json.balance_id;
    b = (await t.http('POST', '/balances', { ledger_id: ids[1], currency: 'USD' })).json.balance_id;
    for (let i = 1; i <= 25; i++) {
      await t.http('POST', '/transactions', {
        source: '@World',
        destination: i % 2 ? a : b,
        precise_amount: i * 10,
        currency: 'USD',
        reference: `lst-${i}`,
        description: 'list',
        allow_overdraft: true,
        skip_queue: true,
        meta_data: { i },
      });
    }
  });
  afterAll(() => t.close());

  const filter = (collection: string, body: Record<string, unknown>) =>
    t.http('POST', `/${collection}/filter`, body);
  const refs = (rows: { reference: string }[]) => rows.map((r) => r.reference);

  it('pagination defaults: ledgers 10, transactions 20, filters 20; newest first', async () => {
    expect((await t.http('GET', '/ledgers')).json).toHaveLength(10);
    expect((await t.http('GET', '/transactions')).json).toHaveLength(20);
    expect((await t.http('GET', '/transactions?limit=abc')).json).toHaveLength(20);
    expect((await filter('ledgers', { filters: [] })).json).toHaveLength(20);
    expect((await filter('ledgers', { filters: [], limit: 500 })).json).toHaveLength(20);
    const newest = (await t.http('GET', '/transactions?limit=1')).json[0];
    expect(newest.reference).toBe('lst-25');
    const page2 = (await t.http('GET', '/ledgers?limit=5&offset=5')).json;
    expect(page2).toHaveLength(5);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['eq', { field: 'reference', operator: 'eq', value: 'lst-3' }, ['lst-3']],
    [
      'in',
      { field: 'reference', operator: 'in', values: ['lst-1', 'lst-2', 'lst-3'] },
      ['lst-1', 'lst-2', 'lst-3'],
    ],
    ['ne', { field: 'description', operator: 'ne', value: 'list' }, []],
    [
      'isnotnull',
      { field: 'meta_data.i', operator: 'isnotnull' },
      Array.from({ length: 25 }, (_, i) => `lst-${i + 1}`),
    ],
    ['gt on a number', { field: 'amount', operator: 'gt', value: 230 }, ['lst-24', 'lst-25']],
    ['gte', { field: 'amount', operator: 'gte', value: 240 }, ['lst-24', 'lst-25']],
    ['lt', { field: 'amount', operator: 'lt', value: 20 }, ['lst-1']],
    ['lte', { field: 'amount', operator: 'lte', value: 20 }, ['lst-1', 'lst-2']],
    [
      'between',
      { field: 'amount', operator: 'between', values: [100, 120] },
      ['lst-10', 'lst-11', 'lst-12'],
    ],
    [
      'like',
      { field: 'reference', operator: 'like', value: 'lst-2_' },
      ['lst-20', 'lst-21', 'lst-22', 'lst-23', 'lst-24', 'lst-25'],
    ],
    [
      'ilike',
      { field: 'reference', operator: 'ilike', value: 'LST-1_' },
      [
        'lst-10',
        'lst-11',
        'lst-12',
        'lst-13',
        'lst-14',
        'lst-15',
        'lst-16',
        'lst-17',
        'lst-18',
        'lst-19',
      ],
    ],
    ['meta eq', { field: 'meta_data.i', operator: 'eq', value: 7 }, ['lst-7']],
    ['meta gt', { field: 'meta_data.i', operator: 'gt', value: 23 }, ['lst-24', 'lst-25']],
    [
      'meta isnull',
      { field: 'meta_data.missing', operator: 'isnull' },
      Array.from({ length: 25 }, (_, i) => `lst-${i + 1}`),
    ],
  ])('transactions %s', async (_name, f, expected) => {
    const r = await filter('transactions', {
      filters: [f],
      limit: 100,
      sort_by: 'reference',
      sort_order: 'asc',
    });
    expect(r.status).toBe(200);
    expect(refs(r.json).sort()).toEqual([...expected].sort());
  });

  it('balance_id matches either side; or combines filters; include_count counts all pages', async () => {
    const r = await filter('transactions', {
      filters: [{ field: 'balance_id', operator: 'eq', value: b }],
      include_count: true,
      limit: 5,
    });
    expect(r.json.total_count).toBe(12);
    expect(r.json.data).toHaveLength(5);
    const or = await filter('transactions', {
      filters: [
        { field: 'reference', operator: 'eq', value: 'lst-1' },
        { field: 'reference', operator: 'eq', value: 'lst-2' },
      ],
      logical_operator: 'or',
    });
    expect(refs(or.json).sort()).toEqual(['lst-1', 'lst-2']);
    const none = await filter('transactions', {
      filters: [{ field: 'reference', operator: 'eq', value: 'nope' }],
      include_count: true,
    });
    expect(none.json).toEqual({ data: [] });
  });

  it('query-string filters on GET lists', async () => {
    expect(
      refs((await t.http('GET', '/transactions?reference_in=lst-4,lst-5')).json).sort(),
    ).toEqual(['lst-4', 'lst-5']);
    expect(
      refs((await t.http('GET', `/transactions?destination_eq=${a}&amount_gte=240`)).json),
    ).toEqual(['lst-25']);
    expect((await t.http('GET', '/ledgers?meta_data.tier_eq=odd&limit=100')).json).toHaveLength(12);
    expect(
      (await t.http('GET', `/balances?balance_gt=0`)).json
        .map((x: { balance_id: string }) => x.balance_id)
        .sort(),
    ).toEqual([a, b].sort());
  });

  it('sorts by any field, both ways', async () => {
    const asc = await filter('ledgers', {
      filters: [{ field: 'name', operator: 'like', value: 'L0%' }],
      sort_by: 'name',
      sort_order: 'asc',
    });
    expect(asc.json.map((l: { name: string }) => l.name)).toEqual([
      'L00',
      'L01',
      'L02',
      'L03',
      'L04',
      'L05',
      'L06',
      'L07',
      'L08',
      'L09',
    ]);
    const desc = await filter('balances', {
      filters: [],
      sort_by: 'balance',
      sort_order: 'desc',
      limit: 2,
    });
    expect(desc.json.map((x: { balance_id: string }) => x.balance_id)).toContain(a);
  });

  it('unknown fields and operators are 400s', async () => {
    for (const [collection, f] of [
      ['transactions', { field: 'nope', operator: 'eq', value: 1 }],
      ['ledgers', { field: 'name', operator: 'regex', value: 'x' }],
      ['balances', { field: 'meta_data.bad-key', operator: 'eq', value: 1 }],
      ['transactions', { field: 'amount', operator: 'between', values: [1] }],
    ] as const) {
      const r = await filter(collection, { filters: [f] });
      expect(r.status).toBe(400);
      expect(['GEN_BAD_REQUEST', 'GEN_VALIDATION_ERROR']).toContain(r.json.error_detail.code);
    }
    const qs = await t.http('GET', '/transactions?amount_between=1');
    expect(qs.status).toBe(400);
    expect(qs.json.error_detail.code).toBe('GEN_VALIDATION_ERROR');
    expect((await filter('ledgers', { filters: 'x' })).status).toBe(400);
    expect((await filter('ledgers', { filters: [], logical_operator: 'xor' })).status).toBe(400);
  });
});
