import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { StaticTokenKeys } from '../../src/modules/identity/infrastructure/keys/static-token-keys';
import { startTestApp, TestApp } from '../support/app';

/**
 * No plaintext of a tokenized field remains in the database: the values are unique random words,
 * tokenized, detokenized (which writes the audit log), updated while tokenized, then searched for
 * in every table, and with real PostgreSQL in a full pg_dump of the database.
 */
describe('no PII left in the database after tokenization', () => {
  let t: TestApp;
  const tag = randomBytes(6).toString('hex');
  const secret = {
    first_name: `Zenobia${tag}`,
    last_name: `Quixote${tag}`,
    other_names: `Marigold${tag}`,
    email_address: `zq.${tag}@hidden.example`,
    phone_number: `+4479${parseInt(tag, 16) % 100000000}`,
    street: `${tag} Hidden Lane`,
    post_code: `ZZ${tag}`,
  };
  const later = `Ottoline${tag}`;
  const everything = [...Object.values(secret), later];

  beforeAll(async () => {
    t = await startTestApp({ tokenKeys: new StaticTokenKeys([randomBytes(32)]) });
    const id = (await t.http('POST', '/identities', { ...secret, city: 'Visible' })).json
      .identity_id;
    const tok = await t.http('POST', `/identities/${id}/tokenize`, {
      fields: [
        'FirstName',
        'LastName',
        'OtherNames',
        'EmailAddress',
        'PhoneNumber',
        'Street',
        'PostCode',
      ],
    });
    expect(tok.status).toBe(200);
    const all = await t.http('POST', `/identities/${id}/detokenize`, { fields: [] });
    expect(all.json.fields.FirstName).toBe(secret.first_name);
    expect((await t.http('PUT', `/identities/${id}`, { first_name: later })).status).toBe(200);
    expect((await t.http('GET', `/identities/${id}/detokenize/firstName`)).json.value).toBe(later);
  });
  afterAll(() => t.close());

  it('no table holds any of the values (every column of every row, as text)', async () => {
    const tables: { name: string }[] = await t.ds.query(
      `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name
       FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    expect(tables.map((x) => x.name)).toEqual(
      expect.arrayContaining(['blnk.identity', 'blnk.identity_token', 'blnk.detokenization_audit']),
    );
    let text = '';
    for (const { name } of tables) {
      const rows: { r: string }[] = await t.ds.query(`SELECT t::text AS r FROM ${name} t`);
      text += rows.map((r) => r.r).join('\n');
    }
    expect(text).toContain('Visible'); // the scan does see identity rows
    for (const value of everything) expect(text).not.toContain(value);
  });

  if (process.env.BLNK_DATA_SOURCE_DNS) {
    it('a pg_dump of the database contains none of the values', async () => {
      const { stdout } = await promisify(execFile)('/usr/bin/pg_dump', ['--no-owner', t.db.dsn], {
        maxBuffer: 256 * 1024 * 1024,
      });
      expect(stdout).toContain('COPY blnk.identity ');
      expect(stdout).toContain('Visible');
      expect(stdout).toMatch(/FPT:/);
      for (const value of everything) expect(stdout).not.toContain(value);
    });
  }
});
