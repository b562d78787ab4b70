import { randomBytes } from 'node:crypto';
import { StaticTokenKeys } from '../../src/modules/identity/infrastructure/keys/static-token-keys';
import { startTestApp, TestApp } from '../support/app';

const ADA = {
  identity_type: 'individual',
  first_name: 'Ada',
  last_name: 'Lovelace',
  email_address: 'ada@analytical.example',
  phone_number: '+441234567890',
  street: '12 St James Square',
  post_code: 'SW1Y 4JH',
  country: 'United Kingdom',
  city: 'London',
  dob: '1815-12-10T00:00:00Z',
  meta_data: { customer: 'c-1' },
};

describe('identities (reference §2.6) and tokenization (§9)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ tokenKeys: new StaticTokenKeys([randomBytes(32)]) });
  });
  afterAll(() => t.close());

  const create = async (body: Record<string, unknown> = ADA) => {
    const r = await t.http('POST', '/identities', body);
    expect(r.status).toBe(201);
    return r.json.identity_id as string;
  };
  const code = (r: { json: any }) => r.json?.error_detail?.code;

  describe('CRUD', () => {
    it('creates an identity with every field of §2.6 and reads it back', async () => {
      const r = await t.http('POST', '/identities', ADA);
      expect(r.status).toBe(201);
      expect(r.json).toMatchObject({
        ...ADA,
        other_names: '',
        gender: '',
        dob: '1815-12-10T00:00:00Z',
        meta_data: { customer: 'c-1' },
      });
      expect(r.json.identity_id).toMatch(/^idt_[0-9a-f-]{36}$/);
      const got = await t.http('GET', `/identities/${r.json.identity_id}`);
      expect(got.status).toBe(200);
      expect(got.json).toEqual(r.json);
    });

    it('accepts a caller-supplied idt_ id once; anything else is IDT_VALIDATION_ERROR', async () => {
      const id = 'idt_6b0b5c3e-6f1d-4f37-9a39-1c2d3e4f5a6b';
      expect((await create({ identity_id: id, first_name: 'Own' })) as string).toBe(id);
      const dup = await t.http('POST', '/identities', { identity_id: id });
      expect([dup.status, code(dup)]).toEqual([400, 'IDT_VALIDATION_ERROR']);
      const bad = await t.http('POST', '/identities', { identity_id: 'idt_123' });
      expect([bad.status, code(bad)]).toEqual([400, 'IDT_VALIDATION_ERROR']);
    });

    it('refuses unknown fields, wrong types and bad dates with a 400, never a 500', async () => {
      for (const body of [
        { first_nam: 'typo' },
        { first_name: 42 },
        { dob: 'yesterday' },
        { meta_data: [1] },
      ]) {
        const r = await t.http('POST', '/identities', body);
        expect([r.status, code(r)]).toEqual([400, 'IDT_VALIDATION_ERROR']);
      }
      const r = await t.http('POST', '/identities', '{"first_name":');
      expect(r.status).toBe(400);
    });

    it('404 IDT_NOT_FOUND for an unknown identity on every route', async () => {
      const id = 'idt_00000000-0000-4000-8000-000000000000';
      for (const [method, path, body] of [
        ['GET', `/identities/${id}`],
        ['PUT', `/identities/${id}`, { city: 'Paris' }],
        ['DELETE', `/identities/${id}`],
        ['GET', `/identities/${id}/tokenized-fields`],
        ['POST', `/identities/${id}/tokenize/firstName`],
        ['GET', `/identities/${id}/detokenize/firstName`],
        ['POST', `/identities/${id}/detokenize`, { fields: [] }],
      ] as [string, string, unknown?][]) {
        const r = await t.http(method, path, body);
        expect([method, path, r.status, code(r)]).toEqual([method, path, 404, 'IDT_NOT_FOUND']);
        expect(r.json.error).toBe(`Identity with ID '${id}' not found`);
      }
    });

    it('updates only the fields given; meta_data replaces; nothing to write is a 400', async () => {
      const id = await create();
      const r = await t.http('PUT', `/identities/${id}`, {
        city: 'Marylebone',
        last_name: '',
        meta_data: { tier: 'gold' },
      });
      expect(r.json).toEqual({ message: 'Identity updated successfully' });
      const got = (await t.http('GET', `/identities/${id}`)).json;
      expect(got).toMatchObject({
        city: 'Marylebone',
        last_name: 'Lovelace',
        meta_data: { tier: 'gold' },
      });
      const none = await t.http('PUT', `/identities/${id}`, { city: '' });
      expect([none.status, code(none), none.json.error]).toEqual([
        400,
        'IDT_VALIDATION_ERROR',
        'No fields provided for update',
      ]);
      // What GET returned can be sent back as it is.
      expect((await t.http('PUT', `/identities/${id}`, got)).status).toBe(200);
    });

    it('deletes; an identity a balance still uses is a 409, not a 500', async () => {
      const id = await create();
      const ledger = (await t.http('POST', '/ledgers', { name: 'idt' })).json.ledger_id;
      const bal = await t.http('POST', '/balances', {
        ledger_id: ledger,
        currency: 'USD',
        identity_id: id,
      });
      expect(bal.status).toBe(201);
      const inc = await t.http('GET', `/balances/${bal.json.balance_id}?include=identity`);
      expect(inc.json.identity).toMatchObject({
        identity_id: id,
        first_name: 'Ada',
        dob: expect.stringMatching(/^1815-12-10T00:00:00(\.000)?Z$/),
      });
      const used = await t.http('DELETE', `/identities/${id}`);
      expect([used.status, code(used)]).toEqual([409, 'GEN_CONFLICT']);

      const free = await create();
      expect((await t.http('DELETE', `/identities/${free}`)).json).toEqual({
        message: 'Identity deleted successfully',
      });
      expect((await t.http('GET', `/identities/${free}`)).status).toBe(404);
    });

    it('lists all without filters, filters by query and by body (§3)', async () => {
      const city = `City-${randomBytes(3).toString('hex')}`;
      const ids = [
        await create({ city, first_name: 'A' }),
        await create({ city, first_name: 'B' }),
      ];
      const all = await t.http('GET', '/identities');
      expect(all.json.length).toBeGreaterThanOrEqual(ids.length);
      const byQuery = await t.http('GET', `/identities?city_eq=${city}`);
      expect(byQuery.json.map((i: any) => i.identity_id).sort()).toEqual([...ids].sort());
      const byBody = await t.http('POST', '/identities/filter', {
        filters: [{ field: 'city', operator: 'eq', value: city }],
        sort_by: 'first_name',
        sort_order: 'asc',
        include_count: true,
      });
      expect(byBody.json.total_count).toBe(2);
      expect(byBody.json.data.map((i: any) => i.first_name)).toEqual(['A', 'B']);
      const dob = await t.http('POST', '/identities/filter', {
        filters: [{ field: 'dob', operator: 'eq', value: '1815-12-10' }],
      });
      expect(dob.json.length).toBeGreaterThan(0);
      const badField = await t.http('POST', '/identities/filter', {
        filters: [{ field: 'password', operator: 'eq', value: 'x' }],
      });
      expect([badField.status, code(badField)]).toEqual([400, 'GEN_BAD_REQUEST']);
    });

    it('merges metadata through POST /{idt_id}/metadata (§2.8)', async () => {
      const id = await create();
      const r = await t.http('POST', `/${id}/metadata`, { meta_data: { vip: true } });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ meta_data: { customer: 'c-1', vip: true } });
      const missing = await t.http('POST', '/idt_00000000-0000-4000-8000-000000000000/metadata', {
        meta_data: { a: 1 },
      });
      expect([missing.status, code(missing)]).toEqual([404, 'META_ENTITY_NOT_FOUND']);
    });
  });

  describe('tokenization', () => {
    it('tokenizes one field: the token replaces the value and is listed', async () => {
      const id = await create();
      const r = await t.http('POST', `/identities/${id}/tokenize/firstName`);
      expect([r.status, r.json]).toEqual([200, { message: 'Field tokenized successfully' }]);
      const got = (await t.http('GET', `/identities/${id}`)).json;
      expect(got.first_name).toMatch(/^FPT:[A-Z][a-z]{2}:[A-Za-z0-9+/]+=*$/);
      expect(got.meta_data).toEqual({ customer: 'c-1', tokenized_fields: { FirstName: true } });
      expect((await t.http('GET', `/identities/${id}/tokenized-fields`)).json).toEqual({
        tokenized_fields: ['FirstName'],
      });
      const again = await t.http('POST', `/identities/${id}/tokenize/FirstName`);
      expect([again.status, code(again), again.json.error]).toEqual([
        409,
        'IDT_FIELD_ALREADY_TOKENIZED',
        'field FirstName is already tokenized',
      ]);
    });

    it('refuses snake_case and non-PII field names like Blnk', async () => {
      const id = await create();
      const r = await t.http('POST', `/identities/${id}/tokenize/first_name`);
      expect([r.status, code(r), r.json.error]).toEqual([
        400,
        'IDT_FIELD_NOT_TOKENIZABLE',
        'field first_name is not tokenizable',
      ]);
      const country = await t.http('POST', `/identities/${id}/tokenize`, { fields: ['Country'] });
      expect(code(country)).toBe('IDT_FIELD_NOT_TOKENIZABLE');
      const empty = await t.http('POST', `/identities/${id}/tokenize`, { fields: [] });
      expect([empty.status, code(empty)]).toEqual([400, 'IDT_VALIDATION_ERROR']);
      const notTok = await t.http('GET', `/identities/${id}/detokenize/lastName`);
      expect([notTok.status, code(notTok), notTok.json.error]).toEqual([
        400,
        'IDT_FIELD_NOT_TOKENIZED',
        'field lastName is not tokenized',
      ]);
    });

    it('tokenizes several, detokenizes one, several and all, and audits each reveal', async () => {
      const id = await create();
      const r = await t.http('POST', `/identities/${id}/tokenize`, {
        fields: ['firstName', 'EmailAddress', 'phoneNumber', 'Street', 'PostCode', 'LastName'],
      });
      expect(r.json).toEqual({ message: 'Fields tokenized successfully' });
      const one = await t.http('GET', `/identities/${id}/detokenize/emailAddress`);
      expect(one.json).toEqual({ field: 'emailAddress', value: ADA.email_address });
      const some = await t.http('POST', `/identities/${id}/detokenize`, {
        fields: ['firstName', 'PostCode'],
      });
      expect(some.json).toEqual({ fields: { firstName: 'Ada', PostCode: 'SW1Y 4JH' } });
      const all = await t.http('POST', `/identities/${id}/detokenize`, { fields: [] });
      expect(all.json).toEqual({
        fields: {
          EmailAddress: ADA.email_address,
          FirstName: 'Ada',
          LastName: 'Lovelace',
          PhoneNumber: ADA.phone_number,
          PostCode: ADA.post_code,
          Street: ADA.street,
        },
      });

      const audit = await t.ds.query(
        `SELECT field, api_key_id, owner, outcome FROM detokenization_audit
         WHERE identity_id = $1 ORDER BY id`,
        [id],
      );
      expect(audit.map((a: any) => a.field)).toEqual([
        'EmailAddress',
        'FirstName',
        'PostCode',
        'EmailAddress',
        'FirstName',
        'LastName',
        'PhoneNumber',
        'PostCode',
        'Street',
      ]);
      for (const a of audit) {
        expect(a.outcome).toBe('revealed');
        expect(a.api_key_id).toBe('master');
        expect(a.owner).toEqual(expect.any(String));
      }
      const update = t.ds.query(
        `UPDATE detokenization_audit SET owner = 'x' WHERE identity_id = $1`,
        [id],
      );
      await expect(update).rejects.toThrow(/cannot be changed/);
    });

    it('keeps a tokenized field tokenized when it is updated', async () => {
      const id = await create();
      await t.http('POST', `/identities/${id}/tokenize/firstName`);
      const before = (await t.http('GET', `/identities/${id}`)).json;
      // Sending back the token as read is no change; a new value is tokenized before it is stored.
      // (meta_data.tokenized_fields is the server's: a client sending it back is refused.)
      expect((await t.http('PUT', `/identities/${id}`, before)).status).toBe(400);
      const { tokenized_fields: _server, ...clientMeta } = before.meta_data;
      expect(
        (await t.http('PUT', `/identities/${id}`, { ...before, meta_data: clientMeta })).status,
      ).toBe(200);
      expect((await t.http('GET', `/identities/${id}`)).json.first_name).toBe(before.first_name);
      await t.http('PUT', `/identities/${id}`, { first_name: 'Augusta' });
      const after = (await t.http('GET', `/identities/${id}`)).json;
      expect(after.first_name).toMatch(/^FPT:[A-Z][a-z]{6}:/);
      expect((await t.http('GET', `/identities/${id}/detokenize/firstName`)).json.value).toBe(
        'Augusta',
      );
      // Clients cannot rewrite the server's record of what is tokenized.
      // tokenized_fields is an engine key: sending it is refused, naming it.
      const meta = await t.http('POST', `/${id}/metadata`, {
        meta_data: { tokenized_fields: { LastName: true } },
      });
      expect(meta.status).toBe(400);
      expect(meta.json.error_detail.code).toBe('GEN_VALIDATION_ERROR');
      expect(meta.json.error).toContain('tokenized_fields');
      const put = await t.http('PUT', `/identities/${id}`, { meta_data: { tokenized_fields: {} } });
      expect(put.status).toBe(400);
      expect((await t.http('GET', `/identities/${id}`)).json.meta_data).toEqual({
        customer: 'c-1',
        tokenized_fields: { FirstName: true },
      });
    });

    it('a token altered in the database fails with a clear 400, audited as failed', async () => {
      const id = await create();
      await t.http('POST', `/identities/${id}/tokenize/lastName`);
      const [{ last_name: token }] = await t.ds.query(
        `SELECT last_name FROM identity WHERE identity_id = $1`,
        [id],
      );
      const i = token.length - 10;
      const flipped = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      await t.ds.query(`UPDATE identity SET last_name = $2 WHERE identity_id = $1`, [id, flipped]);
      const r = await t.http('GET', `/identities/${id}/detokenize/lastName`);
      expect([r.status, code(r)]).toEqual([400, 'IDT_TOKEN_INVALID']);
      expect(r.json.error).toMatch(/token of field LastName cannot be detokenized/);
      expect(r.text).not.toContain('Lovelace');
      const audit = await t.ds.query(
        `SELECT field, outcome FROM detokenization_audit WHERE identity_id = $1`,
        [id],
      );
      expect(audit).toEqual([{ field: 'LastName', outcome: 'failed' }]);

      // A token copied from another identity does not open either.
      const other = await create();
      await t.http('POST', `/identities/${other}/tokenize/lastName`);
      const [{ last_name: foreign }] = await t.ds.query(
        `SELECT last_name FROM identity WHERE identity_id = $1`,
        [other],
      );
      await t.ds.query(`UPDATE identity SET last_name = $2 WHERE identity_id = $1`, [id, foreign]);
      const moved = await t.http('GET', `/identities/${id}/detokenize/lastName`);
      expect([moved.status, code(moved)]).toEqual([400, 'IDT_TOKEN_INVALID']);
    });
  });
});

describe('tokenization without a key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers 403 IDT_TOKENIZATION_DISABLED while identities still work', async () => {
    const id = (await t.http('POST', '/identities', { first_name: 'Ada' })).json.identity_id;
    for (const [method, path, body] of [
      ['POST', `/identities/${id}/tokenize/firstName`],
      ['POST', `/identities/${id}/tokenize`, { fields: ['FirstName'] }],
      ['GET', `/identities/${id}/detokenize/firstName`],
      ['POST', `/identities/${id}/detokenize`, { fields: [] }],
    ] as [string, string, unknown?][]) {
      const r = await t.http(method, path, body);
      expect([path, r.status, r.json.error_detail.code]).toEqual([
        path,
        403,
        'IDT_TOKENIZATION_DISABLED',
      ]);
    }
    expect((await t.http('GET', `/identities/${id}`)).json.first_name).toBe('Ada');
  });
});
