import { createScopedKey, startTestApp, TestApp } from '../support/app';
import { fingerprint } from '../support/fingerprint';

const MISSING_BLN = 'bln_00000000-0000-4000-8000-000000000000';
const MISSING_IDT = 'idt_00000000-0000-4000-8000-000000000000';

/**
 * Accounts (reference §2.7): Blnk's bank-account wrapper around a balance, over real HTTP. The
 * suite runs on the database the environment names (PostgreSQL with BLNK_DATA_SOURCE_DNS, else
 * embedded PGlite); scripts/test.sh runs it on both.
 */
describe('accounts (reference §2.7)', () => {
  let t: TestApp;
  let ledgerId: string;
  let adaId: string;
  let adaBalance: string;
  beforeAll(async () => {
    t = await startTestApp();
    ledgerId = (await t.http('POST', '/ledgers', { name: 'accounts' })).json.ledger_id;
    adaId = await identity({ first_name: 'Ada', last_name: 'Lovelace' });
    adaBalance = await balance({ identity_id: adaId, currency: 'GBP' });
  });
  afterAll(() => t.close());

  const code = (r: { json: any }) => r.json?.error_detail?.code;
  async function identity(body: Record<string, unknown>): Promise<string> {
    const r = await t.http('POST', '/identities', body);
    expect(r.status).toBe(201);
    return r.json.identity_id;
  }
  async function balance(body: Record<string, unknown> = {}): Promise<string> {
    const r = await t.http('POST', '/balances', { ledger_id: ledgerId, currency: 'USD', ...body });
    expect(r.status).toBe(201);
    return r.json.balance_id;
  }
  let n = 0;
  const number = () => `4000${String(++n).padStart(8, '0')}${Date.now() % 1000}`;

  describe('POST /accounts', () => {
    it('takes ledger, currency and identity from the balance; the name from the identity', async () => {
      const r = await t.http('POST', '/accounts', {
        balance_id: adaBalance,
        bank_name: 'Analytical Bank',
        number: '0123456789',
        meta_data: { branch: '001' },
      });
      expect(r.status).toBe(201);
      expect(r.json).toEqual({
        account_id: expect.stringMatching(/^acc_[0-9a-f-]{36}$/),
        name: 'Ada Lovelace',
        number: '0123456789',
        bank_name: 'Analytical Bank',
        currency: 'GBP',
        balance_id: adaBalance,
        identity_id: adaId,
        ledger_id: ledgerId,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        meta_data: { branch: '001' },
      });
      const got = await t.http('GET', `/accounts/${r.json.account_id}`);
      expect(got.status).toBe(200);
      expect(got.json).toEqual(r.json);
    });

    it("the balance's identity wins over the request's; the request's is used when the balance has none", async () => {
      const other = await identity({ first_name: 'Grace', last_name: 'Hopper' });
      const wins = await t.http('POST', '/accounts', {
        balance_id: adaBalance,
        identity_id: other,
        number: number(),
      });
      expect([wins.status, wins.json.identity_id, wins.json.name]).toEqual([
        201,
        adaId,
        'Ada Lovelace',
      ]);
      const bare = await balance();
      const used = await t.http('POST', '/accounts', {
        balance_id: bare,
        identity_id: other,
        number: number(),
      });
      expect([used.status, used.json.identity_id, used.json.name]).toEqual([
        201,
        other,
        'Grace Hopper',
      ]);
    });

    it('an organization is named by its organization_name', async () => {
      const org = await identity({ identity_type: 'organization', organization_name: 'Acme Ltd' });
      const r = await t.http('POST', '/accounts', {
        balance_id: await balance({ identity_id: org }),
        number: number(),
      });
      expect([r.status, r.json.name]).toEqual([201, 'Acme Ltd']);
    });

    it('generates a 12-digit number when none is given, every time', async () => {
      const a = await t.http('POST', '/accounts', { balance_id: adaBalance });
      const b = await t.http('POST', '/accounts', { balance_id: adaBalance, number: null });
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(a.json.number).toMatch(/^\d{12}$/);
      expect(b.json.number).toMatch(/^\d{12}$/);
      expect(a.json.number).not.toBe(b.json.number);
    });

    it('refuses with a clear 400 and writes nothing: Blnk validation rules and bad input', async () => {
      const cases: [unknown, string, RegExp][] = [
        [
          {},
          'GEN_VALIDATION_ERROR',
          /^currency: currency is required when Balance ID is not provided; identity_id: Identity ID is required when Balance ID is not provided; ledger_id: Ledger ID is required/,
        ],
        [
          { balance_id: adaBalance, ledger_id: ledgerId, currency: 'GBP' },
          'GEN_VALIDATION_ERROR',
          /^currency: either Currency or BalanceId must be provided, not both; ledger_id: either LedgerId/,
        ],
        [
          { ledger_id: ledgerId, identity_id: adaId, currency: 'GBP' },
          'GEN_VALIDATION_ERROR',
          /^balance_id: is required/,
        ],
        [{ balance_id: adaBalance, name: 'mine' }, 'GEN_VALIDATION_ERROR', /name/],
        [{ balance_id: 42 }, 'GEN_VALIDATION_ERROR', /balance_id: must be a string/],
        [{ balance_id: adaBalance, meta_data: [1] }, 'GEN_VALIDATION_ERROR', /meta_data/],
        [
          { balance_id: adaBalance, meta_data: { BLNK_GENERATED_BY: 'api_key_forged' } },
          'GEN_VALIDATION_ERROR',
          /BLNK_GENERATED_BY/,
        ],
        [{ balance_id: adaBalance, number: 'x'.repeat(600) }, 'GEN_VALIDATION_ERROR', /number/],
      ];
      const before = await fingerprint(t.ds);
      for (const [body, expected, message] of cases) {
        const r = await t.http('POST', '/accounts', body);
        expect([r.status, code(r)]).toEqual([400, expected]);
        expect(r.json.error_detail.message).toMatch(message);
      }
      const malformed = await t.http('POST', '/accounts', '{"balance_id":');
      expect(malformed.status).toBe(400);
      expect(await fingerprint(t.ds)).toEqual(before);
    });

    it('validation failures carry the message under "errors", as Blnk sends it', async () => {
      const r = await t.http('POST', '/accounts', {});
      expect(typeof r.json.errors).toBe('string');
      expect(r.json.error).toBeUndefined();
    });

    it('404 for an unknown balance or identity, 400 when nobody owns the account; nothing written', async () => {
      const bare = await balance();
      const before = await fingerprint(t.ds);
      const noBalance = await t.http('POST', '/accounts', { balance_id: MISSING_BLN });
      expect([noBalance.status, code(noBalance)]).toEqual([404, 'BAL_NOT_FOUND']);
      const noIdentity = await t.http('POST', '/accounts', {
        balance_id: bare,
        identity_id: MISSING_IDT,
      });
      expect([noIdentity.status, code(noIdentity)]).toEqual([404, 'IDT_NOT_FOUND']);
      const nobody = await t.http('POST', '/accounts', { balance_id: bare });
      expect([nobody.status, code(nobody)]).toEqual([400, 'GEN_VALIDATION_ERROR']);
      expect(await fingerprint(t.ds)).toEqual(before);
    });

    it('a taken number is 409 GEN_CONFLICT, also when two requests race for it', async () => {
      const taken = number();
      const first = await t.http('POST', '/accounts', { balance_id: adaBalance, number: taken });
      expect(first.status).toBe(201);
      const before = await fingerprint(t.ds);
      const again = await t.http('POST', '/accounts', { balance_id: adaBalance, number: taken });
      expect([again.status, code(again)]).toEqual([409, 'GEN_CONFLICT']);
      expect(await fingerprint(t.ds)).toEqual(before);

      const raced = number();
      const answers = await Promise.all(
        Array.from({ length: 6 }, () =>
          t.http('POST', '/accounts', { balance_id: adaBalance, number: raced }),
        ),
      );
      expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
      const rows = await t.ds.query(`SELECT count(*)::int AS n FROM accounts WHERE number = $1`, [
        raced,
      ]);
      expect(rows[0].n).toBe(1);
    });

    it('a retry with the same Idempotency-Key gets the first answer and makes one account', async () => {
      const key = { 'idempotency-key': `acc-retry-${Date.now()}` };
      const body = { balance_id: adaBalance, bank_name: 'Retry Bank' };
      const answers = await Promise.all(
        [1, 2, 3].map(() => t.http('POST', '/accounts', body, key)),
      );
      const created = answers.filter((r) => r.status === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      for (const r of answers) expect([201, 409]).toContain(r.status);
      const again = await t.http('POST', '/accounts', body, key);
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.json).toEqual(created[0].json);
      const rows = await t.ds.query(
        `SELECT count(*)::int AS n FROM accounts WHERE bank_name = 'Retry Bank'`,
      );
      expect(rows[0].n).toBe(1);
    });

    it('an identity an account names cannot be deleted (409), and a racing delete never leaves a dangling account', async () => {
      const held = await identity({ first_name: 'Held' });
      const acc = await t.http('POST', '/accounts', {
        balance_id: await balance(),
        identity_id: held,
        number: number(),
      });
      expect(acc.status).toBe(201);
      const del = await t.http('DELETE', `/identities/${held}`);
      expect([del.status, code(del)]).toEqual([409, 'GEN_CONFLICT']);

      for (let i = 0; i < 5; i++) {
        const racer = await identity({ first_name: `Racer${i}` });
        const bare = await balance();
        const [created, deleted] = await Promise.all([
          t.http('POST', '/accounts', { balance_id: bare, identity_id: racer, number: number() }),
          t.http('DELETE', `/identities/${racer}`),
        ]);
        // Exactly one of the two wins, and the loser says why.
        if (created.status === 201) {
          expect([deleted.status, code(deleted)]).toEqual([409, 'GEN_CONFLICT']);
        } else {
          expect([created.status, code(created), deleted.status]).toEqual([
            404,
            'IDT_NOT_FOUND',
            200,
          ]);
        }
      }
      const dangling = await t.ds.query(
        `SELECT count(*)::int AS n FROM accounts a
          WHERE NOT EXISTS (SELECT 1 FROM identity i WHERE i.identity_id = a.identity_id)`,
      );
      expect(dangling[0].n).toBe(0);
    });
  });

  describe('GET /accounts/:id', () => {
    let accountId: string;
    beforeAll(async () => {
      accountId = (await t.http('POST', '/accounts', { balance_id: adaBalance, number: number() }))
        .json.account_id;
    });

    it('include=balance, identity and ledger (repeated) embed the three objects', async () => {
      const r = await t.http(
        'GET',
        `/accounts/${accountId}?include=balance&include=identity&include=ledger`,
      );
      expect(r.status).toBe(200);
      expect(r.json.balance).toMatchObject({ balance_id: adaBalance, currency: 'GBP', balance: 0 });
      expect(r.json.identity).toMatchObject({ identity_id: adaId, first_name: 'Ada' });
      expect(r.json.ledger).toMatchObject({ ledger_id: ledgerId, name: 'accounts' });
      const plain = await t.http('GET', `/accounts/${accountId}?include=nothing`);
      expect(plain.json.balance ?? plain.json.identity ?? plain.json.ledger).toBeUndefined();
    });

    it("shows the balance as it is now (amounts are the balance's, never copied)", async () => {
      const moved = await t.http('POST', '/transactions', {
        amount: 12.5,
        precision: 100,
        currency: 'GBP',
        reference: `acc-move-${Date.now()}`,
        source: '@World',
        destination: adaBalance,
        allow_overdraft: true,
        skip_queue: true,
        description: 'fund',
      });
      expect(moved.status).toBe(201);
      const r = await t.http('GET', `/accounts/${accountId}?include=balance`);
      expect(r.json.balance.balance).toBe(1250);
      expect(r.json.balance.credit_balance).toBe(1250);
    });

    it('unknown id is 404 GEN_NOT_FOUND', async () => {
      const r = await t.http('GET', '/accounts/acc_00000000-0000-4000-8000-000000000000');
      expect([r.status, code(r)]).toEqual([404, 'GEN_NOT_FOUND']);
    });

    it('a scoped key needs the read scope of what it embeds, whether the account exists or not', async () => {
      const k = await createScopedKey(t, ['accounts:read']);
      const as = { 'x-blnk-key': k.key };
      expect((await t.http('GET', `/accounts/${accountId}`, undefined, as)).status).toBe(200);
      for (const inc of ['balance', 'identity', 'ledger']) {
        for (const id of [accountId, 'acc_missing']) {
          const r = await t.http('GET', `/accounts/${id}?include=${inc}`, undefined, as);
          expect([r.status, code(r)]).toEqual([403, 'AUTH_INSUFFICIENT_PERMISSIONS']);
        }
      }
      const wide = await createScopedKey(t, ['accounts:read', 'balances:read']);
      const r = await t.http('GET', `/accounts/${accountId}?include=balance`, undefined, {
        'x-blnk-key': wide.key,
      });
      expect([r.status, r.json.balance.balance_id]).toEqual([200, adaBalance]);
    });
  });

  describe('lists', () => {
    let bank: string;
    beforeAll(async () => {
      bank = `List Bank ${Date.now()}`;
      for (let i = 0; i < 3; i++) {
        const r = await t.http('POST', '/accounts', {
          balance_id: adaBalance,
          bank_name: bank,
          number: number(),
          meta_data: { i },
        });
        expect(r.status).toBe(201);
      }
    });

    it('GET /accounts lists every account newest first without filters, and filters by query', async () => {
      const all = await t.http('GET', '/accounts');
      expect(all.status).toBe(200);
      const count = await t.ds.query(`SELECT count(*)::int AS n FROM accounts`);
      expect(all.json).toHaveLength(count[0].n);
      const times = all.json.map((a: { created_at: string }) => a.created_at);
      expect([...times].sort().reverse()).toEqual(times);
      const filtered = await t.http('GET', `/accounts?bank_name_eq=${encodeURIComponent(bank)}`);
      expect(filtered.json.map((a: any) => a.meta_data.i)).toEqual([2, 1, 0]);
      const meta = await t.http(
        'GET',
        `/accounts?bank_name_eq=${encodeURIComponent(bank)}&meta_data.i_eq=1`,
      );
      expect(meta.json).toHaveLength(1);
      const limited = await t.http(
        'GET',
        `/accounts?bank_name_eq=${encodeURIComponent(bank)}&limit=2&offset=1`,
      );
      expect(limited.json.map((a: any) => a.meta_data.i)).toEqual([1, 0]);
    });

    it('a bad query filter is 400 GEN_VALIDATION_ERROR with the {Param, Message} list', async () => {
      const r = await t.http('GET', '/accounts?created_at_between=2024-01-01');
      expect([r.status, code(r)]).toEqual([400, 'GEN_VALIDATION_ERROR']);
      expect(r.json.error_detail.details[0]).toHaveProperty('Param', 'created_at_between');
      const unknown = await t.http('GET', '/accounts?balance_eq=1');
      expect(unknown.status).toBe(400);
    });

    it('POST /accounts/filter: filters, sort, include_count; bad filters are 400', async () => {
      const body = {
        filters: [{ field: 'bank_name', operator: 'eq', value: bank }],
        sort_by: 'created_at',
        sort_order: 'asc',
      };
      const r = await t.http('POST', '/accounts/filter', body);
      expect(r.status).toBe(200);
      expect(r.json.map((a: any) => a.meta_data.i)).toEqual([0, 1, 2]);
      const counted = await t.http('POST', '/accounts/filter', {
        ...body,
        limit: 1,
        include_count: true,
      });
      expect([counted.json.data.length, counted.json.total_count]).toEqual([1, 3]);
      const empty = await t.http('POST', '/accounts/filter', {
        filters: [{ field: 'currency', operator: 'eq', value: 'XXX' }],
      });
      expect(empty.json).toEqual([]);
      for (const bad of [
        { filters: [{ field: 'bank_name', operator: 'badop', value: 'x' }] },
        { filters: [{ field: 'balance', operator: 'eq', value: 1 }] },
        { filters: [{ field: 'currency', operator: 'in' }] },
      ]) {
        const res = await t.http('POST', '/accounts/filter', bad);
        expect([res.status, code(res)]).toEqual([400, 'GEN_BAD_REQUEST']);
      }
      expect((await t.http('POST', '/accounts/filter', '{bad')).status).toBe(400);
    });
  });

  it('GET /mocked-account makes up a Blnk Bank number and stores nothing', async () => {
    const before = await fingerprint(t.ds);
    const a = await t.http('GET', '/mocked-account');
    const b = await t.http('GET', '/mocked-account');
    expect(a.status).toBe(200);
    expect(a.json).toEqual({
      bank_name: 'Blnk Bank',
      account_number: expect.stringMatching(/^\d{12}$/),
    });
    expect(a.json.account_number).not.toBe(b.json.account_number);
    expect(await fingerprint(t.ds)).toEqual(before);
  });

  it('scopes: accounts:write creates (stamped BLNK_GENERATED_BY), accounts:read alone cannot, mocked-account is accounts:read', async () => {
    const writer = await createScopedKey(t, ['accounts:write']);
    const made = await t.http(
      'POST',
      '/accounts',
      { balance_id: adaBalance, number: number(), meta_data: { x: 1 } },
      { 'x-blnk-key': writer.key },
    );
    expect(made.status).toBe(201);
    expect(made.json.meta_data).toEqual({ x: 1, BLNK_GENERATED_BY: writer.id });
    const reader = await createScopedKey(t, ['accounts:read']);
    const refused = await t.http(
      'POST',
      '/accounts',
      { balance_id: adaBalance, number: number() },
      { 'x-blnk-key': reader.key },
    );
    expect([refused.status, code(refused)]).toEqual([403, 'AUTH_INSUFFICIENT_PERMISSIONS']);
    const mocked = await t.http('GET', '/mocked-account', undefined, { 'x-blnk-key': reader.key });
    expect(mocked.status).toBe(200);
    const other = await createScopedKey(t, ['ledgers:read']);
    for (const path of ['/mocked-account', '/accounts']) {
      const r = await t.http('GET', path, undefined, { 'x-blnk-key': other.key });
      expect([r.status, code(r)]).toEqual([403, 'AUTH_INSUFFICIENT_PERMISSIONS']);
    }
  });
});
