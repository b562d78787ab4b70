import { randomBytes } from 'node:crypto';
import { BlnkInit } from '@blnkfinance/blnk-typescript';
import { StaticTokenKeys } from '../../src/modules/identity/infrastructure/keys/static-token-keys';
import { startTestApp, TestApp } from '../support/app';

/** The official SDK's Identity calls, unchanged, against Neraca. */
describe('official SDK: Identity', () => {
  let t: TestApp;
  let blnk: ReturnType<typeof BlnkInit>;
  beforeAll(async () => {
    t = await startTestApp({ tokenKeys: new StaticTokenKeys([randomBytes(32)]) });
    blnk = BlnkInit(t.key, { baseUrl: t.url });
  });
  afterAll(() => t.close());

  it('create, get, list, update, tokenize, detokenize, delete', async () => {
    const created = await blnk.Identity.create({
      identity_type: 'individual',
      first_name: 'Grace',
      last_name: 'Hopper',
      email_address: 'grace@navy.example',
      gender: 'female',
      dob: new Date('1906-12-09T00:00:00Z'),
      meta_data: { rank: 'rear admiral' },
    });
    expect(created.status).toBe(201);
    const id = created.data!.identity_id;
    expect(created.data).toMatchObject({ first_name: 'Grace', dob: '1906-12-09T00:00:00Z' });

    expect((await blnk.Identity.get(id)).data?.last_name).toBe('Hopper');
    const list = await blnk.Identity.list();
    expect(list.data?.map((i) => i.identity_id)).toContain(id);

    const upd = await blnk.Identity.update(id, { identity_type: 'individual', city: 'Arlington' });
    expect(upd.status).toBe(200);
    expect((await blnk.Identity.get(id)).data?.city).toBe('Arlington');

    const one = await blnk.Identity.tokenizeField(id, 'FirstName');
    expect([one.status, one.data]).toEqual([200, { message: 'Field tokenized successfully' }]);
    const many = await blnk.Identity.tokenize(id, { fields: ['LastName', 'EmailAddress'] });
    expect(many.data).toEqual({ message: 'Fields tokenized successfully' });
    const fields = await blnk.Identity.getTokenizedFields(id);
    expect(fields.data?.tokenized_fields).toEqual(['EmailAddress', 'FirstName', 'LastName']);
    expect((await blnk.Identity.get(id)).data?.first_name).toMatch(/^FPT:/);

    const f = await blnk.Identity.detokenizeField(id, 'FirstName');
    expect(f.data).toEqual({ field: 'FirstName', value: 'Grace' });
    const all = await blnk.Identity.detokenize(id, { fields: [] });
    expect(all.data?.fields).toEqual({
      EmailAddress: 'grace@navy.example',
      FirstName: 'Grace',
      LastName: 'Hopper',
    });
    const some = await blnk.Identity.detokenize(id, { fields: ['LastName'] });
    expect(some.data?.fields).toEqual({ LastName: 'Hopper' });

    const again = await blnk.Identity.tokenizeField(id, 'FirstName');
    expect([again.status, again.error?.code]).toEqual([409, 'IDT_FIELD_ALREADY_TOKENIZED']);

    const meta = await blnk.Metadata.update(id, { meta_data: { vip: true } });
    expect(meta.data?.meta_data).toMatchObject({ rank: 'rear admiral', vip: true });

    const del = await blnk.Identity.delete(id);
    expect(del.data).toEqual({ message: 'Identity deleted successfully' });
    const gone = await blnk.Identity.get(id);
    expect([gone.status, gone.error?.code]).toEqual([404, 'IDT_NOT_FOUND']);
  });

  it('filters identities through Search.filter', async () => {
    const city = `Sdk-${randomBytes(3).toString('hex')}`;
    await blnk.Identity.create({ identity_type: 'organization', organization_name: 'ACME', city });
    const r = await blnk.Search.filter(
      { filters: [{ field: 'city', operator: 'eq', value: city }], include_count: true },
      'identities',
    );
    expect(r.status).toBe(200);
    expect(r.data).toMatchObject({ total_count: 1, data: [{ organization_name: 'ACME', city }] });
  });
});
