import { parseJson } from '@libs/core/json';
import { startTestApp, TestApp } from '../support/app';

describe('ledgers and balances over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('GET / and GET /health answer without a key', async () => {
    const root = await fetch(t.url + '/');
    expect(root.status).toBe(200);
    expect(await root.json()).toBe('server running...');
    const health = await fetch(t.url + '/health');
    expect(await health.json()).toEqual({ status: 'UP' });
  });

  it('creates, reads, renames and lists ledgers', async () => {
    const created = await t.http('POST', '/ledgers', { name: 'Wallets', meta_data: { team: 'a' } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'Wallets', meta_data: { team: 'a' } });
    const id = created.json.ledger_id;
    expect(id).toMatch(/^ldg_[0-9a-f-]{36}$/);
    expect((await t.http('GET', `/ledgers/${id}`)).json.name).toBe('Wallets');
    const renamed = await t.http('PUT', `/ledgers/${id}`, { name: 'Renamed' });
    expect(renamed.json).toMatchObject({
      ledger_id: id,
      name: 'Renamed',
      meta_data: { team: 'a' },
    });
    const list = await t.http('GET', '/ledgers?limit=100');
    expect(list.json.map((l: { ledger_id: string }) => l.ledger_id)).toEqual(
      expect.arrayContaining([id, 'general_ledger_id']),
    );
    const filtered = await t.http('POST', '/ledgers/filter', {
      filters: [{ field: 'name', operator: 'eq', value: 'Renamed' }],
      include_count: true,
    });
    expect(filtered.json).toEqual({
      data: [expect.objectContaining({ ledger_id: id })],
      total_count: 1,
    });
    const byQuery = await t.http('GET', '/ledgers?name_eq=Renamed');
    expect(byQuery.json).toHaveLength(1);
  });

  it('ledger errors: blank name, unknown id, bad limit', async () => {
    const blank = await t.http('POST', '/ledgers', { name: '  ' });
    expect(blank.status).toBe(400);
    expect(blank.json).toEqual({
      errors: 'name: cannot be blank.',
      error_detail: { code: 'GEN_VALIDATION_ERROR', message: 'name: cannot be blank.' },
    });
    const missing = await t.http('GET', '/ledgers/ldg_nope');
    expect(missing.status).toBe(404);
    expect(missing.json.error_detail.code).toBe('LGR_NOT_FOUND');
    expect((await t.http('PUT', '/ledgers/ldg_nope', { name: 'x' })).status).toBe(404);
    const bad = await t.http('GET', '/ledgers?limit=abc');
    expect(bad.status).toBe(400);
    expect(bad.json.error_detail.code).toBe('GEN_VALIDATION_ERROR');
  });

  it('creates balances and reads them every way', async () => {
    const ledger = (await t.http('POST', '/ledgers', { name: 'B' })).json.ledger_id;
    const res = await t.http('POST', '/balances', {
      ledger_id: ledger,
      currency: 'USD',
      meta_data: { k: 1 },
    });
    expect(res.status).toBe(201);
    const b = res.json;
    expect(b).toMatchObject({
      ledger_id: ledger,
      identity_id: '',
      currency: 'USD',
      balance: 0,
      credit_balance: 0,
      debit_balance: 0,
      inflight_balance: 0,
      inflight_credit_balance: 0,
      inflight_debit_balance: 0,
      version: 0,
      inflight_expires_at: '0001-01-01T00:00:00Z',
      track_fund_lineage: false,
      allocation_strategy: 'FIFO',
    });
    expect(b).not.toHaveProperty('indicator');
    const withLedger = await t.http('GET', `/balances/${b.balance_id}?include=ledger`);
    expect(withLedger.json.ledger).toMatchObject({ ledger_id: ledger, name: 'B' });
    const list = await t.http('POST', '/balances/filter', {
      filters: [{ field: 'ledger_id', operator: 'eq', value: ledger }],
    });
    expect(list.json.map((x: { balance_id: string }) => x.balance_id)).toEqual([b.balance_id]);
    expect((await t.http('GET', `/balances?ledger_id_eq=${ledger}`)).json).toHaveLength(1);
  });

  it('indicator balances live in the general ledger and are unique per currency', async () => {
    const wrongLedger = (await t.http('POST', '/ledgers', { name: 'X' })).json.ledger_id;
    const refused = await t.http('POST', '/balances', {
      ledger_id: wrongLedger,
      currency: 'USD',
      indicator: '@Fees',
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error_detail.code).toBe('GEN_VALIDATION_ERROR');
    const ok = await t.http('POST', '/balances', {
      ledger_id: 'general_ledger_id',
      currency: 'USD',
      indicator: '@Fees',
    });
    expect(ok.status).toBe(201);
    expect(ok.json.indicator).toBe('@Fees');
    const dup = await t.http('POST', '/balances', {
      ledger_id: 'general_ledger_id',
      currency: 'USD',
      indicator: '@Fees',
    });
    expect(dup.status).toBe(409);
    expect(dup.json.error_detail.code).toBe('GEN_CONFLICT');
    const found = await t.http(
      'GET',
      `/balances/indicator/${encodeURIComponent('@Fees')}/currency/USD`,
    );
    expect(found.json.balance_id).toBe(ok.json.balance_id);
    expect((await t.http('GET', '/balances/indicator/%40Nope/currency/USD')).status).toBe(404);
  });

  it('balance errors: unknown ledger, unknown balance, bad limit', async () => {
    const r = await t.http('POST', '/balances', { ledger_id: 'ldg_missing', currency: 'USD' });
    expect(r.status).toBe(400);
    expect(r.json.error_detail.code).toBe('GEN_BAD_REQUEST');
    expect((await t.http('GET', '/balances/bln_missing')).json.error_detail.code).toBe(
      'BAL_NOT_FOUND',
    );
    expect((await t.http('GET', '/balances?limit=0')).status).toBe(400);
  });

  it('attaches an identity to a balance', async () => {
    const b = (
      await t.http('POST', '/balances', { ledger_id: 'general_ledger_id', currency: 'EUR' })
    ).json;
    await t.ds.query(
      `INSERT INTO identity (identity_id, first_name, last_name) VALUES ('idt_e2e', 'Ada', 'Lovelace')`,
    );
    const res = await t.http('PUT', `/balances/${b.balance_id}/identity`, {
      identity_id: 'idt_e2e',
    });
    expect(res.json).toEqual({ message: 'Balance identity updated successfully' });
    const got = await t.http('GET', `/balances/${b.balance_id}?include=identity&include=ledger`);
    expect(got.json.identity_id).toBe('idt_e2e');
    expect(got.json.identity).toMatchObject({ identity_id: 'idt_e2e', first_name: 'Ada' });
    expect(got.json.ledger.ledger_id).toBe('general_ledger_id');
    expect(got.json.version).toBe(1);
    expect(
      (await t.http('PUT', `/balances/${b.balance_id}/identity`, { identity_id: 'idt_nope' }))
        .status,
    ).toBe(404);
    expect(
      (await t.http('PUT', `/balances/${b.balance_id}/identity`, { identity_id: '' })).status,
    ).toBe(400);
  });

  it('merges metadata into ledgers and balances', async () => {
    const l = (await t.http('POST', '/ledgers', { name: 'M', meta_data: { a: 1 } })).json;
    const r = await t.http('POST', `/${l.ledger_id}/metadata`, { meta_data: { b: 2 } });
    expect(r.json).toEqual({ meta_data: { a: 1, b: 2 } });
    const big = await fetch(`${t.url}/${l.ledger_id}/metadata`, {
      method: 'POST',
      headers: { 'x-blnk-key': t.key, 'content-type': 'application/json' },
      body: '{"meta_data":{"huge":123456789012345678901234567890}}',
    });
    expect(parseJson(await big.text())).toEqual({
      meta_data: { a: 1, b: 2, huge: 123456789012345678901234567890n },
    });
    expect((await t.http('POST', '/bln_missing/metadata', { meta_data: { x: 1 } })).status).toBe(
      404,
    );
    const bad = await t.http('POST', '/what_1/metadata', { meta_data: { x: 1 } });
    expect(bad.json.error_detail.code).toBe('META_INVALID_ENTITY_ID');
    expect((await t.http('POST', `/${l.ledger_id}/metadata`, {})).status).toBe(400);
  });
});
