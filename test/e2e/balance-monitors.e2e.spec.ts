import { zeroAmounts } from '../../src/modules/balance/domain/balance';
import { MonitorEvaluator } from '../../src/modules/monitor/application/monitor-evaluator.service';
import { createScopedKey, parseBig, startTestApp, TestApp } from '../support/app';

describe('balance monitors over HTTP (reference §2.4)', () => {
  let t: TestApp;
  let balance: string;
  let other: string;
  beforeAll(async () => {
    t = await startTestApp();
    const ledger = (await t.http('POST', '/ledgers', { name: 'monitored' })).json.ledger_id;
    const bal = async () =>
      (await t.http('POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json.balance_id;
    balance = await bal();
    other = await bal();
  });
  afterAll(() => t.close());

  const body = (over: Record<string, unknown> = {}, condition: Record<string, unknown> = {}) => ({
    balance_id: balance,
    condition: { field: 'balance', operator: '>', value: 1000, precision: 100, ...condition },
    ...over,
  });
  const expectValidation = (r: { status: number; json: any }, message: string) => {
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      errors: message,
      error_detail: { code: 'GEN_VALIDATION_ERROR', message },
    });
  };

  it("creates a monitor and answers Blnk's shape, without call_back_url", async () => {
    const r = await t.http('POST', '/balance-monitors', body({ call_back_url: 'https://cb' }));
    expect(r.status).toBe(201);
    expect(r.json).toEqual({
      monitor_id: expect.stringMatching(/^mon_[0-9a-f-]{36}$/),
      balance_id: balance,
      description: '',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      condition: {
        value: 1000,
        precision: 100,
        precise_value: 100000,
        field: 'balance',
        operator: '>',
      },
    });
    expect(r.text).not.toContain('call_back_url');
    const got = await t.http('GET', `/balance-monitors/${r.json.monitor_id}`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual(r.json);
  });

  it('computes precise_value exactly, for floats and integers of any size', async () => {
    const float = await t.http('POST', '/balance-monitors', body({}, { value: 10.1 }));
    expect(float.json.condition).toMatchObject({ value: 10.1, precise_value: 1010 });
    const huge = '123456789012345678901234567890';
    const raw = `{"balance_id":"${balance}","condition":{"field":"debit_balance","operator":"<=","value":${huge},"precision":1000000000000000000000}}`;
    const r = await t.http('POST', '/balance-monitors', raw);
    expect(r.status).toBe(201);
    const c = parseBig(r.text).condition;
    expect(c.value).toBe(BigInt(huge));
    expect(c.precise_value).toBe(BigInt(huge) * 10n ** 21n);
    expect(
      parseBig((await t.http('GET', `/balance-monitors/${r.json.monitor_id}`)).text).condition,
    ).toEqual(c);
    const negative = await t.http(
      'POST',
      '/balance-monitors',
      body({}, { operator: '<', value: 0 }),
    );
    expect(negative.status).toBe(201);
    expect(negative.json.condition).toMatchObject({ value: 0, precise_value: 0 });
  });

  it('accepts both spellings of equality, and a description', async () => {
    for (const operator of ['=', '==']) {
      const r = await t.http(
        'POST',
        '/balance-monitors',
        body({ description: 'eq' }, { operator }),
      );
      expect(r.status).toBe(201);
      expect(r.json).toMatchObject({ description: 'eq', condition: { operator } });
    }
  });

  it('refuses invalid monitors with 400 in the envelope, never a 500', async () => {
    expectValidation(
      await t.http('POST', '/balance-monitors', {}),
      'balance_id: cannot be blank; condition: cannot be blank.',
    );
    expectValidation(
      await t.http('POST', '/balance-monitors', body({}, { operator: 'gt' })),
      'condition.operator: must be one of > < >= <= = == !=.',
    );
    expectValidation(
      await t.http('POST', '/balance-monitors', body({}, { field: 'queued_debit_balance' })),
      'condition.field: must be one of balance, credit_balance, debit_balance, inflight_balance, inflight_credit_balance, inflight_debit_balance.',
    );
    expectValidation(
      await t.http('POST', '/balance-monitors', body({}, { precision: 0 })),
      'condition.precision: must be a positive integer.',
    );
    expectValidation(
      await t.http('POST', '/balance-monitors', body({}, { precision: 2.5 })),
      'condition.precision: must be a positive integer (written out in digits).',
    );
    expectValidation(
      await t.http('POST', '/balance-monitors', body({}, { precision: undefined })),
      'condition.precision: cannot be blank.',
    );
    expectValidation(
      await t.http('POST', '/balance-monitors', body({}, { value: '1000' })),
      'condition.value: must be a number.',
    );
    expectValidation(
      await t.http('POST', '/balance-monitors', body({}, { value: null })),
      'condition.value: cannot be blank.',
    );
    expectValidation(
      await t.http('POST', '/balance-monitors', body({ condition: 'x' })),
      'condition: must be a JSON object.',
    );
    expectValidation(
      await t.http('POST', '/balance-monitors', body({ condition: null })),
      'condition: cannot be blank.',
    );
    expectValidation(
      await t.http('POST', '/balance-monitors', body({ balance_id: 7 })),
      'balance_id: must be a string.',
    );
    expectValidation(
      await t.http('POST', '/balance-monitors', body({ threshold: 1 })),
      'threshold: unknown field.',
    );
    expectValidation(
      await t.http(
        'POST',
        '/balance-monitors',
        `{"balance_id":"${balance}","condition":{"field":"balance","operator":">","value":1e400,"precision":100}}`,
      ),
      'condition.value: is too large (or not a finite number).',
    );
    expectValidation(
      // JSON.stringify writes 1e+300, which the parser reads as a 301-digit integer.
      await t.http('POST', '/balance-monitors', body({}, { value: 1e300 })),
      'condition.value: is too large (at most 80 digits).',
    );
    // A fraction beyond what a float holds is not stored rounded (1e18 is not what was sent).
    const r = await t.http(
      'POST',
      '/balance-monitors',
      `{"balance_id":"${balance}","condition":{"field":"balance","operator":"=","value":1000000000000000000.01,"precision":100}}`,
    );
    expect(r.status).toBe(400);
    expect(r.json.error_detail.message).toContain('condition.value: is not exact as a float');
    for (const bad of ['{"balance_id":', '[1]', '"x"']) {
      const r = await t.http('POST', '/balance-monitors', bad);
      expect(r.status).toBe(400);
      expect(r.json.error_detail.code).toBe('GEN_MALFORMED_REQUEST');
    }
  });

  it('refuses a monitor on a balance that does not exist', async () => {
    const r = await t.http('POST', '/balance-monitors', body({ balance_id: 'bln_missing' }));
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      error: 'Invalid balance ID: bln_missing',
      error_detail: { code: 'GEN_BAD_REQUEST', message: 'Invalid balance ID: bln_missing' },
    });
  });

  it('lists all monitors and those of one balance', async () => {
    const mine = (await t.http('POST', '/balance-monitors', body({ balance_id: other }))).json;
    const all = await t.http('GET', '/balance-monitors');
    expect(all.status).toBe(200);
    expect(all.json.map((m: any) => m.monitor_id)).toContain(mine.monitor_id);
    const ofOther = await t.http('GET', `/balance-monitors/balances/${other}`);
    expect(ofOther.json).toEqual([mine]);
    expect((await t.http('GET', '/balance-monitors/balances/bln_missing')).json).toEqual([]);
  });

  it('updates a monitor: recomputes precise_value, keeps precision, takes a monitor as read', async () => {
    const m = (await t.http('POST', '/balance-monitors', body())).json;
    const put = await t.http('PUT', `/balance-monitors/${m.monitor_id}`, {
      balance_id: other,
      description: 'moved',
      condition: { field: 'credit_balance', operator: '>=', value: 25 },
    });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ message: 'BalanceMonitor updated successfully' });
    const got = (await t.http('GET', `/balance-monitors/${m.monitor_id}`)).json;
    expect(got).toEqual({
      ...m,
      balance_id: other,
      description: 'moved',
      condition: {
        field: 'credit_balance',
        operator: '>=',
        value: 25,
        precision: 100,
        precise_value: 2500,
      },
    });
    // The object a GET returned goes back unchanged (its read-only fields are ignored).
    const again = await t.http('PUT', `/balance-monitors/${m.monitor_id}`, {
      ...got,
      condition: { ...got.condition, precise_value: 1 },
    });
    expect(again.status).toBe(200);
    expect((await t.http('GET', `/balance-monitors/${m.monitor_id}`)).json).toEqual(got);
    expect(
      (await t.http('GET', `/balance-monitors/balances/${balance}`)).json.map(
        (x: any) => x.monitor_id,
      ),
    ).not.toContain(m.monitor_id);
  });

  it('update and delete errors', async () => {
    const m = (await t.http('POST', '/balance-monitors', body())).json;
    const missing = await t.http('PUT', '/balance-monitors/mon_missing', body());
    expect(missing.status).toBe(404);
    expect(missing.json.error_detail).toEqual({
      code: 'BAL_MONITOR_NOT_FOUND',
      message: "BalanceMonitor with ID 'mon_missing' not found",
    });
    expectValidation(
      await t.http('PUT', `/balance-monitors/${m.monitor_id}`, body({}, { operator: '<>' })),
      'condition.operator: must be one of > < >= <= = == !=.',
    );
    const noBalance = await t.http(
      'PUT',
      `/balance-monitors/${m.monitor_id}`,
      body({ balance_id: 'bln_x' }),
    );
    expect(noBalance.status).toBe(400);
    expect(noBalance.json.error_detail.code).toBe('GEN_BAD_REQUEST');
    expect((await t.http('GET', '/balance-monitors/mon_missing')).status).toBe(404);
    const del = await t.http('DELETE', `/balance-monitors/${m.monitor_id}`);
    expect(del.status).toBe(200);
    expect(del.json).toEqual({ message: 'BalanceMonitor deleted successfully' });
    const gone = await t.http('DELETE', `/balance-monitors/${m.monitor_id}`);
    expect(gone.status).toBe(404);
    expect(gone.json.error_detail.code).toBe('BAL_MONITOR_NOT_FOUND');
  });

  it('needs the balance-monitors scope of the action', async () => {
    const balancesOnly = await createScopedKey(t, ['balances:*'], 'monitor-scopes');
    const reader = await createScopedKey(t, ['balance-monitors:read'], 'monitor-scopes');
    const writer = await createScopedKey(t, ['balance-monitors:write'], 'monitor-scopes');
    const as = (k: { key: string }) => ({ 'x-blnk-key': k.key });
    const m = (await t.http('POST', '/balance-monitors', body())).json;
    const refused = [
      await t.http('POST', '/balance-monitors', body(), as(balancesOnly)),
      await t.http('GET', '/balance-monitors', undefined, as(balancesOnly)),
      await t.http('GET', `/balance-monitors/balances/${balance}`, undefined, as(balancesOnly)),
      await t.http('POST', '/balance-monitors', body(), as(reader)),
      await t.http('PUT', `/balance-monitors/${m.monitor_id}`, body(), as(reader)),
      await t.http('DELETE', `/balance-monitors/${m.monitor_id}`, undefined, as(writer)),
      await t.http('GET', `/balance-monitors/${m.monitor_id}`, undefined, as(writer)),
    ];
    for (const r of refused) {
      expect(r.status).toBe(403);
      expect(r.json.error_detail.code).toBe('AUTH_INSUFFICIENT_PERMISSIONS');
    }
    expect(refused[0].json.error_detail.message).toBe(
      'Insufficient permissions for balance-monitors:write',
    );
    expect(
      (await t.http('GET', `/balance-monitors/${m.monitor_id}`, undefined, as(reader))).status,
    ).toBe(200);
    const created = await t.http('POST', '/balance-monitors', body(), as(writer));
    expect(created.status).toBe(201);
    expect(created.text).not.toContain('BLNK_GENERATED_BY');
    expect((await t.http('GET', '/balance-monitors', undefined, { 'x-blnk-key': '' })).status).toBe(
      401,
    );
  });

  it('survives concurrent creates, updates and deletes of one monitor', async () => {
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.http('POST', '/balance-monitors', body({}, { value: i + 1 })),
      ),
    );
    expect(created.map((r) => r.status)).toEqual(Array(10).fill(201));
    const id = created[0].json.monitor_id;
    const races = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) =>
        t.http('PUT', `/balance-monitors/${id}`, body({}, { value: 100 + i })),
      ),
      t.http('DELETE', `/balance-monitors/${id}`),
      t.http('DELETE', `/balance-monitors/${id}`),
    ]);
    for (const r of races) expect([200, 404]).toContain(r.status);
    expect(
      races
        .slice(5)
        .map((r) => r.status)
        .sort(),
    ).toEqual([200, 404]);
    expect((await t.http('GET', `/balance-monitors/${id}`)).status).toBe(404);
  });

  it('evaluates through the exported MonitorEvaluator, seeing CRUD changes at once', async () => {
    const evaluator = t.app.get(MonitorEvaluator);
    const ledger = (await t.http('POST', '/ledgers', { name: 'evaluated' })).json.ledger_id;
    const b = (await t.http('POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json
      .balance_id;
    const at = (balance: bigint) => ({ ...zeroAmounts(), balance, creditBalance: balance });
    expect(await evaluator.evaluate(b, at(0n), at(5000n))).toEqual([]);
    const m = (await t.http('POST', '/balance-monitors', body({ balance_id: b }, { value: 10 })))
      .json;
    const fired = await evaluator.evaluate(b, at(0n), at(5000n));
    expect(fired.map((f) => f.monitorId)).toEqual([m.monitor_id]);
    expect(fired[0].event).toBe('balance.monitor');
    expect(fired[0].data).toMatchObject({
      monitor_id: m.monitor_id,
      condition: { precise_value: 1000n },
    });
    expect(await evaluator.evaluate(b, at(2000n), at(5000n))).toEqual([]);
    await t.http(
      'PUT',
      `/balance-monitors/${m.monitor_id}`,
      body({ balance_id: b }, { value: 30 }),
    );
    expect(await evaluator.evaluate(b, at(2000n), at(5000n))).toHaveLength(1);
    await t.http('DELETE', `/balance-monitors/${m.monitor_id}`);
    expect(await evaluator.evaluate(b, at(0n), at(5000n))).toEqual([]);
    expect(await evaluator.evaluate('bln_missing', null, at(1n))).toEqual([]);
  });

  it('reads JSON null as absent where Go would, and refuses it where it would be guessed', async () => {
    const r = await t.http(
      'POST',
      '/balance-monitors',
      body({ description: null, call_back_url: null }),
    );
    expect(r.status).toBe(201);
    expect(r.json.description).toBe('');
    expectValidation(
      await t.http('POST', '/balance-monitors', body({ balance_id: null })),
      'balance_id: cannot be blank.',
    );
    expectValidation(
      await t.http('POST', '/balance-monitors', body({}, { precision: null })),
      'condition.precision: cannot be null.',
    );
    expectValidation(
      await t.http('POST', '/balance-monitors', body({}, { operator: null, field: null })),
      'condition.field: cannot be blank; condition.operator: cannot be blank.',
    );
    expectValidation(
      await t.http('PUT', `/balance-monitors/${r.json.monitor_id}`, {
        balance_id: balance,
        condition: null,
      }),
      'condition: cannot be blank.',
    );
  });

  it('gives a balance at most 100 monitors, exactly, under concurrent creates and moves', async () => {
    const ledger = (await t.http('POST', '/ledgers', { name: 'crowded' })).json.ledger_id;
    const crowded = (await t.http('POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json
      .balance_id;
    const results = await Promise.all(
      Array.from({ length: 104 }, (_, i) =>
        t.http('POST', '/balance-monitors', body({ balance_id: crowded }, { value: i })),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(100);
    expect(statuses.filter((s) => s === 400)).toHaveLength(4);
    expect(results.find((r) => r.status === 400)!.json.error_detail).toEqual({
      code: 'GEN_BAD_REQUEST',
      message: `Balance ${crowded} already has 100 monitors, the most a balance may have`,
    });
    const elsewhere = (await t.http('POST', '/balance-monitors', body({ balance_id: other }))).json;
    const move = await t.http(
      'PUT',
      `/balance-monitors/${elsewhere.monitor_id}`,
      body({ balance_id: crowded }),
    );
    expect(move.status).toBe(400);
    // A monitor already there can still be updated in place.
    const first = results.find((r) => r.status === 201)!.json.monitor_id;
    expect(
      (await t.http('PUT', `/balance-monitors/${first}`, body({ balance_id: crowded }))).status,
    ).toBe(200);
    expect((await t.http('GET', `/balance-monitors/balances/${crowded}`)).json).toHaveLength(100);
  });
});
