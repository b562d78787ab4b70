import { parseJson } from '@libs/core/json';
import { startTestApp, TestApp } from '../support/app';
import { ledgerClient } from '../support/ledger-client';

describe('synchronous transactions over HTTP', () => {
  let t: TestApp;
  let ledger: string;
  let balance: ReturnType<typeof ledgerClient>['balance'];
  let getBalance: ReturnType<typeof ledgerClient>['amountsOf'];
  let txn: ReturnType<typeof ledgerClient>['txn'];

  beforeAll(async () => {
    t = await startTestApp();
    ledger = (await t.http('POST', '/ledgers', { name: 'T' })).json.ledger_id;
    ({ balance, amountsOf: getBalance, txn } = ledgerClient(t, () => ledger));
  });
  afterAll(() => t.close());

  it('funds from @World and moves money; balances and versions follow', async () => {
    const a = await balance();
    const b = await balance();
    const fund = await txn({
      source: '@World',
      destination: a,
      amount: 100.5,
      precision: 100,
      reference: 'f1',
      allow_overdraft: true,
    });
    expect(fund.status).toBe(201);
    expect(fund.json).toMatchObject({
      status: 'APPLIED',
      precise_amount: 10050,
      amount: 100.5,
      precision: 100,
      reference: 'f1',
      destination: a,
      allow_overdraft: true,
      skip_queue: true,
      inflight: false,
      parent_transaction: '',
    });
    expect(fund.json.source).toMatch(/^bln_/);
    expect(fund.json.hash).toMatch(/^[0-9a-f]{64}$/);
    const move = await txn({
      source: a,
      destination: b,
      precise_amount: 2550,
      precision: 100,
      reference: 'm1',
    });
    expect(move.json).toMatchObject({ status: 'APPLIED', amount: 25.5, amount_string: '25.5' });
    expect(await getBalance(a)).toMatchObject({
      balance: 7500n,
      credit_balance: 10050n,
      debit_balance: 2550n,
      version: 2n,
    });
    expect(await getBalance(b)).toMatchObject({
      balance: 2550n,
      credit_balance: 2550n,
      version: 1n,
    });
    const world = (await t.http('GET', '/balances/indicator/%40World/currency/USD')).json;
    expect(world.ledger_id).toBe('general_ledger_id');
    expect(world.balance).toBe(-10050);
  });

  it('refuses an overdraw with TXN_INSUFFICIENT_FUNDS and changes nothing', async () => {
    const a = await balance();
    const b = await balance();
    const r = await txn({ source: a, destination: b, amount: 1, reference: 'o1' });
    expect(r.status).toBe(400);
    expect(r.json.error_detail).toEqual({
      code: 'TXN_INSUFFICIENT_FUNDS',
      message: 'failed to apply transaction to balances: insufficient funds in source balance',
    });
    expect(await getBalance(a)).toMatchObject({ balance: 0n, version: 0n });
    expect((await t.http('GET', '/transactions/reference/o1')).status).toBe(404);
  });

  it('honours overdraft_limit with and without allow_overdraft', async () => {
    const a = await balance();
    const b = await balance();
    expect(
      (
        await txn({
          source: a,
          destination: b,
          amount: 5,
          precision: 100,
          overdraft_limit: 5,
          reference: 'ol1',
        })
      ).status,
    ).toBe(201);
    const over = await txn({
      source: a,
      destination: b,
      amount: 0.01,
      precision: 100,
      overdraft_limit: 5,
      reference: 'ol2',
    });
    expect(over.status).toBe(400);
    expect(over.json.error_detail.code).toBe('TXN_VALIDATION_ERROR');
    expect(over.json.error_detail.message).toContain('overdraft limit');
    expect((await getBalance(a)).balance).toBe(-500n);
    expect(
      (
        await txn({
          source: a,
          destination: b,
          amount: 1000,
          allow_overdraft: true,
          reference: 'ol3',
        })
      ).status,
    ).toBe(201);
  });

  it('answers a reused reference with 409 TXN_DUPLICATE_REFERENCE', async () => {
    const a = await balance();
    await txn({
      source: '@World',
      destination: a,
      amount: 1,
      reference: 'dup',
      allow_overdraft: true,
    });
    const r = await txn({
      source: '@World',
      destination: a,
      amount: 1,
      reference: 'dup',
      allow_overdraft: true,
    });
    expect(r.status).toBe(409);
    expect(r.json.error_detail.code).toBe('TXN_DUPLICATE_REFERENCE');
    expect((await getBalance(a)).balance).toBe(1n);
  });

  it('reports a missing balance as 404 TXN_NOT_FOUND', async () => {
    const a = await balance();
    const r = await txn({
      source: a,
      destination: 'bln_missing',
      amount: 1,
      reference: 'nf',
      allow_overdraft: true,
    });
    expect(r.status).toBe(404);
    expect(r.json.error_detail).toMatchObject({
      code: 'TXN_NOT_FOUND',
      message: "Balance with ID 'bln_missing' not found",
    });
  });

  it('moves amounts above 2^64 exactly, given as numbers or numeric strings', async () => {
    const a = await balance();
    const huge = '123456789012345678901234567890';
    const res = await fetch(t.url + '/transactions', {
      method: 'POST',
      headers: { 'x-blnk-key': t.key, 'content-type': 'application/json' },
      body: `{"source":"@World","destination":"${a}","precise_amount":${huge},"currency":"USD","reference":"big1","description":"d","allow_overdraft":true,"skip_queue":true}`,
    });
    const body = parseJson(await res.text()) as Record<string, unknown>;
    expect(res.status).toBe(201);
    expect(body.precise_amount).toBe(BigInt(huge));
    const viaString = await txn({
      source: '@World',
      destination: a,
      precise_amount: huge,
      reference: 'big2',
      allow_overdraft: true,
    });
    expect(viaString.status).toBe(201);
    expect(viaString.text).toContain(`"precise_amount":${huge}`);
    expect((await getBalance(a)).balance).toBe(2n * BigInt(huge));
  });

  it('reads a transaction by id and by reference, and lists and filters them', async () => {
    const a = await balance();
    const created = (
      await txn({
        source: '@World',
        destination: a,
        amount: 3,
        reference: 'read-1',
        allow_overdraft: true,
        meta_data: { order: 'o-9' },
      })
    ).json;
    const byId = await t.http('GET', `/transactions/${created.transaction_id}`);
    expect(byId.json).toMatchObject({
      transaction_id: created.transaction_id,
      reference: 'read-1',
      precision: 1,
      meta_data: { order: 'o-9', allow_overdraft: true },
    });
    expect((await t.http('GET', '/transactions/reference/read-1')).json.transaction_id).toBe(
      created.transaction_id,
    );
    expect((await t.http('GET', '/transactions/txn_missing')).json.error_detail.code).toBe(
      'TXN_NOT_FOUND',
    );
    const filtered = await t.http('POST', '/transactions/filter', {
      filters: [{ field: 'meta_data.order', operator: 'eq', value: 'o-9' }],
    });
    expect(filtered.json.map((x: { reference: string }) => x.reference)).toEqual(['read-1']);
    const byBalance = await t.http('GET', `/transactions?balance_id_eq=${a}`);
    expect(byBalance.json).toHaveLength(1);
    const list = await t.http('GET', '/transactions?limit=2');
    expect(list.json).toHaveLength(2);
    const meta = await t.http('POST', `/${created.transaction_id}/metadata`, {
      meta_data: { note: 'x' },
    });
    expect(meta.json).toEqual({ meta_data: { note: 'x' } });
    expect(
      (await t.http('GET', `/transactions/${created.transaction_id}`)).json.meta_data.note,
    ).toBe('x');
  });

  it('holds funds for an inflight transaction', async () => {
    const a = await balance();
    const b = await balance();
    await txn({
      source: '@World',
      destination: a,
      amount: 10,
      reference: 'if0',
      allow_overdraft: true,
    });
    const hold = await txn({
      source: a,
      destination: b,
      amount: 4,
      reference: 'if1',
      inflight: true,
    });
    expect(hold.json).toMatchObject({ status: 'INFLIGHT', inflight: true });
    expect(hold.json.meta_data).toBeUndefined();
    expect(await getBalance(a)).toMatchObject({
      balance: 10n,
      inflight_debit_balance: 4n,
      inflight_balance: -4n,
    });
    // The hold counts against the funds check.
    expect((await txn({ source: a, destination: b, amount: 7, reference: 'if2' })).status).toBe(
      400,
    );
    expect((await txn({ source: a, destination: b, amount: 6, reference: 'if3' })).status).toBe(
      201,
    );
  });

  it('refuses a currency that differs from the balances', async () => {
    const eur = await balance('EUR');
    const r = await txn({
      source: '@World',
      destination: eur,
      amount: 1,
      reference: 'cur',
      allow_overdraft: true,
    });
    expect(r.status).toBe(400);
    expect(r.json.error_detail.message).toContain('currency mismatch');
  });

  it('validation errors use the transaction code and the errors key', async () => {
    const r = await t.http('POST', '/transactions', {
      amount: -1,
      currency: 'USD',
      reference: 'v',
      description: 'd',
      source: 'a',
      destination: 'a',
      skip_queue: true,
    });
    expect(r.status).toBe(400);
    expect(r.json.errors).toBe(
      'amount: amount cannot be negative; destination: source and destination cannot be the same balance.',
    );
    expect(r.json.error_detail.code).toBe('TXN_VALIDATION_ERROR');
    const p = await t.http('POST', '/transactions', {
      amount: 1,
      precision: 10.5,
      currency: 'USD',
      reference: 'v',
      description: 'd',
      source: 'a',
      destination: 'b',
      skip_queue: true,
    });
    expect(p.json).toMatchObject({
      error: 'precision must be an integer value',
      error_detail: { code: 'TXN_PRECISION_NOT_INTEGER' },
    });
  });
});
