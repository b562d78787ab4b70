import { request } from 'node:http';
import { startTestApp, TestApp } from '../support/app';
import { checkInvariants } from '../support/invariants';
import { ledgerClient } from '../support/ledger-client';

/**
 * Attacks on Idempotency-Key (issue 14) that need more than fetch can send: header shapes a
 * proxy or a careless client produce. On PostgreSQL or embedded PGlite as the environment says.
 */
describe('Idempotency-Key under attack', () => {
  let t: TestApp;
  let ledger: string;
  let c: ReturnType<typeof ledgerClient>;

  beforeAll(async () => {
    t = await startTestApp();
    ledger = (await t.http('POST', '/ledgers', { name: 'idempotency-attacks' })).json.ledger_id;
    c = ledgerClient(t, () => ledger);
  });
  afterAll(async () => {
    expect(await checkInvariants(t.ds)).toEqual([]);
    await t.close();
  });

  /** A POST whose header values are sent as given, one header line per value. */
  const post = (path: string, headers: Record<string, string | string[]>, body: string) =>
    new Promise<{ status: number; json: any }>((resolve, reject) => {
      const u = new URL(t.url + path);
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          headers: { 'x-blnk-key': t.key, 'content-type': 'application/json', ...headers },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const count = async (sql: string, params: unknown[]) =>
    Number((await t.ds.query(sql, params))[0].n);

  it('refuses two Idempotency-Key headers with 400 IDEMPOTENCY_KEY_INVALID, carrying out nothing', async () => {
    const a = await c.balance();
    const reference = `two-keys-${a}`;
    const body = JSON.stringify({
      source: '@World',
      destination: a,
      precise_amount: 5,
      currency: 'USD',
      description: 'd',
      reference,
      skip_queue: true,
      allow_overdraft: true,
    });
    const keys = await count(`SELECT count(*)::int AS n FROM idempotency_keys`, []);
    const r = await post('/transactions', { 'idempotency-key': ['k1', 'k2'] }, body);
    expect([r.status, r.json.error_detail?.code]).toEqual([400, 'IDEMPOTENCY_KEY_INVALID']);
    expect(
      await count(`SELECT count(*)::int AS n FROM transactions WHERE reference = $1`, [reference]),
    ).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM idempotency_keys`, [])).toBe(keys);
    // One header whose value has a comma is one key like any other.
    const one = await post('/transactions', { 'idempotency-key': 'k1, k2' }, body);
    expect(one.status).toBe(201);
    const again = await post('/transactions', { 'idempotency-key': 'k1, k2' }, body);
    expect(again.json.transaction_id).toBe(one.json.transaction_id);
  });
});
