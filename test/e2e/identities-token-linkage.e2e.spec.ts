import { randomBytes } from 'node:crypto';
import { StaticTokenKeys } from '../../src/modules/identity/infrastructure/keys/static-token-keys';
import { startTestApp, TestApp } from '../support/app';

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

/**
 * Issue 11, finding 3: the visible part of a token (`FPT:<visible>:<payload>`) keeps the shape of
 * the value and nothing else. Equal values in two identities or two fields must not look equal,
 * or anyone who may read identities could link them, and anyone who may write them could confirm
 * a guess by tokenizing it in an identity of their own.
 */
describe('tokens that cannot be linked or guessed', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ tokenKeys: new StaticTokenKeys([randomBytes(32)]) });
  });
  afterAll(() => t.close());

  const as = (key: string) => (method: string, path: string, body?: unknown) =>
    t.http(method, path, body, { 'x-blnk-key': key });
  const keyWith = async (owner: string, scopes: string[]) => {
    const r = await t.http('POST', '/api-keys', {
      name: 'k',
      owner,
      scopes,
      expires_at: inDays(1),
    });
    expect(r.status).toBe(201);
    return r.json as { api_key_id: string; key: string };
  };
  const identity = async (body: Record<string, unknown>): Promise<string> => {
    const r = await t.http('POST', '/identities', body);
    expect(r.status).toBe(201);
    return r.json.identity_id as string;
  };

  const visible = (token: string) => token.split(':')[1];
  const tokenize = async (id: string, fields: string[]) => {
    const r = await t.http('POST', `/identities/${id}/tokenize`, { fields });
    expect(r.status).toBe(200);
    return (await t.http('GET', `/identities/${id}`)).json;
  };

  it('the same value in two identities, or in two fields, gives different visible parts', async () => {
    const email = 'grace.hopper@navy.example.org';
    const a = await tokenize(
      await identity({ email_address: email, first_name: 'Morgan', last_name: 'Morgan' }),
      ['EmailAddress', 'FirstName', 'LastName'],
    );
    const b = await tokenize(await identity({ email_address: email, first_name: 'Morgan' }), [
      'EmailAddress',
      'FirstName',
    ]);
    expect(visible(a.email_address)).toHaveLength(email.length);
    expect(visible(a.email_address)).not.toBe(visible(b.email_address));
    expect(visible(a.first_name)).not.toBe(visible(b.first_name));
    expect(visible(a.first_name)).not.toBe(visible(a.last_name));
  });

  it('tokenizing a guess in an identity of your own does not confirm the victim’s value', async () => {
    const phone = '+4915112345678';
    const victim = await tokenize(await identity({ phone_number: phone }), ['PhoneNumber']);
    const attacker = await keyWith('guesser', ['identities:read', 'identities:write']);
    const call = as(attacker.key);
    const own = (await call('POST', '/identities', { phone_number: phone })).json.identity_id;
    expect((await call('POST', `/identities/${own}/tokenize/PhoneNumber`)).status).toBe(200);
    const guess = (await call('GET', `/identities/${own}`)).json.phone_number;
    expect(visible(guess)).toMatch(/^\+\d{13}$/);
    expect(visible(guess)).not.toBe(visible(victim.phone_number));
  });

  it('re-writing the same value in place draws a new visible part, and it still detokenizes', async () => {
    const id = await identity({ first_name: 'Katherine' });
    const before = (await tokenize(id, ['FirstName'])).first_name;
    expect((await t.http('PUT', `/identities/${id}`, { first_name: 'Kathryn' })).status).toBe(200);
    expect((await t.http('PUT', `/identities/${id}`, { first_name: 'Katherine' })).status).toBe(
      200,
    );
    const after = (await t.http('GET', `/identities/${id}`)).json.first_name;
    expect(visible(after)).not.toBe(visible(before));
    const r = await t.http('GET', `/identities/${id}/detokenize/FirstName`);
    expect(r.json).toEqual({ field: 'FirstName', value: 'Katherine' });
  });
});
