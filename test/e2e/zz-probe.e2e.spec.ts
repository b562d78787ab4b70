import { startTestApp, TestApp } from '../support/app';

describe('probe', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  it('probes', async () => {
    const ledger = (await t.http('POST', '/ledgers', { name: 'T' })).json.ledger_id;
    const a = (await t.http('POST', '/balances', { ledger_id: ledger, currency: 'USD' })).json
      .balance_id;
    const out: string[] = [];
    const p = async (label: string, method: string, path: string, body: unknown) => {
      const r = await t.http(method, path, body);
      out.push(`${label} -> ${r.status} ${r.text.slice(0, 200)}`);
      return r;
    };
    let n = 0;
    const raw = (extra: string, label: string, sq = true) =>
      p(
        label,
        'POST',
        '/transactions',
        `{"currency":"USD","description":"d","source":"@World","destination":"${a}","reference":"q${n++}","skip_queue":${sq},"allow_overdraft":true,${extra}}`,
      );
    for (const d of [100, 1000, 2000, 4000]) {
      let deep = '1';
      for (let i = 0; i < d; i++) deep = `{"a":${deep}}`;
      await raw(`"precise_amount":1,"meta_data":${deep}`, `deep ${d}`);
      let arr = '1';
      for (let i = 0; i < d; i++) arr = `[${arr}]`;
      await raw(`"precise_amount":1,"meta_data":{"x":${arr}}`, `deep arr ${d}`);
    }
    await raw(`"precise_amount":${'9'.repeat(5000)}`, 'pa 5000 digits bare');
    await raw(`"precise_amount":${'9'.repeat(200000)}`, 'pa 200000 digits bare');
    await raw(`"precise_amount":1,"precision":${'1' + '0'.repeat(5000)}`, 'precision 10^5000');
    await raw(`"amount":1,"precision":${'1' + '0'.repeat(200000)}`, 'precision 10^200000');
    await raw(`"precise_amount":1,"precision":1e18`, 'precision 1e18');
    await raw(`"precise_amount":1,"precision":1e400`, 'precision 1e400');
    await raw(`"precise_amount":1,"precision":-0`, 'precision -0');
    await raw(`"precise_amount":1,"precision":true`, 'precision true');
    await raw(`"precise_amount":1,"precision":"100"`, 'precision "100"');
    await raw(`"precise_amount":-0`, 'pa -0 number');
    await raw(`"precise_amount":1e2`, 'pa 1e2');
    await raw(`"precise_amount":100.0`, 'pa 100.0');
    await raw(`"precise_amount":"+5"`, 'pa "+5"');
    await raw(`"precise_amount":" 5"`, 'pa " 5"');
    await raw(`"precise_amount":"0x10"`, 'pa "0x10"');
    await raw(`"precise_amount":"-5"`, 'pa "-5"');
    await raw(`"precise_amount":[5]`, 'pa [5]');
    await raw(`"precise_amount":{}`, 'pa {}');
    await raw(`"amount":-0.0`, 'amount -0.0');
    await raw(`"amount":1.7976931348623157e308`, 'amount max double');
    await raw(`"amount":5e-324`, 'amount min double');
    await raw(`"amount":0.001,"precision":100`, 'amount rounds to 0');
    await raw(`"amount":"5"`, 'amount "5"');
    await raw(`"precise_amount":1,"overdraft_limit":1e308`, 'odl 1e308');
    await raw(`"precise_amount":1,"overdraft_limit":-0`, 'odl -0');
    await raw(`"precise_amount":1,"overdraft_limit":${'9'.repeat(40)}`, 'odl bigint');
    await raw(`"precise_amount":1,"overdraft_limit":"5"`, 'odl "5"');
    await p('infl long id', 'PUT', `/transactions/inflight/${'x'.repeat(5000)}`, {
      status: 'commit',
    });
    await p('infl long id q', 'PUT', `/transactions/inflight/${'x'.repeat(5000)}`, {
      status: 'commit',
      skip_queue: false,
    });
    await p('refund long id', 'POST', `/refund-transaction/${'x'.repeat(5000)}`, {});
    await p('get long id', 'GET', `/transactions/${'x'.repeat(5000)}`, undefined);
    await p('get ref NUL', 'GET', `/transactions/reference/a%00b`, undefined);
    await p('get id NUL', 'GET', `/transactions/a%00b`, undefined);
    await p('filter NUL', 'POST', `/transactions/filter`, {
      filters: [{ field: 'reference', operator: 'eq', value: 'a\u0000b' }],
    });
    await p('list NUL', 'GET', `/transactions?reference_eq=a%00b`, undefined);
    await p('meta route NUL', 'POST', `/${a}/metadata`, { meta_data: { x: 'a\u0000' } });
    await p('ledger NUL', 'POST', `/ledgers`, { name: 'a\u0000' });
    await p('balance long currency', 'POST', `/balances`, {
      ledger_id: ledger,
      currency: 'x'.repeat(3000),
    });
    const list = await t.http('GET', '/transactions?limit=100');
    out.push(`list ${list.status} ${list.json.length}`);
    console.log(out.join('\n'));
  });
});
