import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { TypeOrmUnitOfWork } from '@libs/persistence/typeorm-unit-of-work';
import { SystemClock } from '@libs/core/clock';
import { RandomIdGenerator } from '@libs/core/ids';
import { IdentityUseCases } from '../../src/modules/identity/application/identity.use-cases';
import { Tokenizer } from '../../src/modules/identity/application/tokenizer';
import { TokenizationUseCases } from '../../src/modules/identity/application/tokenization.use-cases';
import { StaticTokenKeys } from '../../src/modules/identity/infrastructure/keys/static-token-keys';
import { DetokenizationAuditPg } from '../../src/modules/identity/infrastructure/postgres/detokenization-audit.pg';
import { IdentityPgRepository } from '../../src/modules/identity/infrastructure/postgres/identity.pg-repository';
import { BACKENDS, createTestDatabase, openDataSource, TestDatabase } from '../support/database';

const actor = { apiKeyId: 'api_key_test', owner: 'ops' };

describe.each(BACKENDS)('identity tokenization and key rotation on %s', (kind) => {
  let db: TestDatabase;
  let ds: DataSource;
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);

  /** The use cases as one process with these keys would run them. */
  const withKeys = (secrets: Buffer[]) => {
    const keys = new StaticTokenKeys(secrets);
    const uow = new TypeOrmUnitOfWork(ds);
    const repo = new IdentityPgRepository(ds);
    const tokenizer = new Tokenizer(keys);
    return {
      keys,
      identities: new IdentityUseCases(
        uow,
        repo,
        tokenizer,
        new RandomIdGenerator(),
        new SystemClock(),
      ),
      tokenization: new TokenizationUseCases(
        uow,
        repo,
        tokenizer,
        new DetokenizationAuditPg(),
        keys,
      ),
    };
  };

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    ds = await openDataSource(db);
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('rotates every token to the new key; the old key is then no longer needed', async () => {
    const a = withKeys([keyA]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const idt = await a.identities.create({
        attributes: { first_name: `Name${i}`, email_address: `n${i}@x.example` },
      });
      await a.tokenization.tokenize(idt.identityId, ['FirstName', 'EmailAddress']);
      ids.push(idt.identityId);
    }
    const untouched = await a.identities.create({ attributes: { first_name: 'Plain' } });

    const rotating = withKeys([keyB, keyA]);
    const report = await rotating.tokenization.rotate(2);
    expect(report).toEqual({ identities: 5, fields: 10, failures: [] });
    const keyIds: { key_id: string }[] = await ds.query(
      `SELECT DISTINCT key_id FROM identity_token`,
    );
    expect(keyIds).toEqual([{ key_id: rotating.keys.ids()[0] }]);
    // Running it again finds nothing left to do.
    expect(await rotating.tokenization.rotate()).toEqual({
      identities: 0,
      fields: 0,
      failures: [],
    });

    const onlyB = withKeys([keyB]);
    for (const [i, id] of ids.entries()) {
      expect(await onlyB.tokenization.detokenize(id, [], actor)).toEqual({
        EmailAddress: `n${i}@x.example`,
        FirstName: `Name${i}`,
      });
    }
    await expect(
      withKeys([keyA]).tokenization.detokenize(ids[0], ['FirstName'], actor),
    ).rejects.toThrow(/which this server does not have/);
    expect((await onlyB.identities.get(untouched.identityId)).attributes.first_name).toBe('Plain');
  });

  it('reports a token it cannot open and rotates the rest', async () => {
    const a = withKeys([keyA]);
    const good = await a.identities.create({ attributes: { last_name: 'Good' } });
    const bad = await a.identities.create({ attributes: { last_name: 'Bad' } });
    await a.tokenization.tokenizeField(good.identityId, 'LastName');
    await a.tokenization.tokenizeField(bad.identityId, 'LastName');
    await ds.query(
      `UPDATE identity SET last_name = regexp_replace(last_name, ':[A-Za-z0-9+/]{4}', ':AAAA') WHERE identity_id = $1`,
      [bad.identityId],
    );
    const report = await withKeys([keyB, keyA]).tokenization.rotate();
    expect(report.identities).toBe(1);
    expect(report.failures).toEqual([
      {
        identityId: bad.identityId,
        field: 'LastName',
        reason: expect.stringMatching(/cannot be detokenized/),
      },
    ]);
    expect(
      await withKeys([keyB]).tokenization.detokenize(good.identityId, ['lastName'], actor),
    ).toEqual({ lastName: 'Good' });
  });

  it('records reveals with who asked, never the value', async () => {
    const a = withKeys([keyA]);
    const idt = await a.identities.create({ attributes: { phone_number: '+15550001111' } });
    await a.tokenization.tokenizeField(idt.identityId, 'phoneNumber');
    await a.tokenization.detokenize(idt.identityId, ['phoneNumber'], actor);
    const rows = await ds.query(`SELECT * FROM detokenization_audit WHERE identity_id = $1`, [
      idt.identityId,
    ]);
    expect(rows).toEqual([
      expect.objectContaining({
        field: 'PhoneNumber',
        api_key_id: 'api_key_test',
        owner: 'ops',
        outcome: 'revealed',
        created_at: expect.any(Date),
      }),
    ]);
    expect(JSON.stringify(rows)).not.toContain('5550001111');
  });

  it('draws tokens made before issue 11 again, under the same key, so equal values no longer look equal', async () => {
    // Tokens the earlier release made with this secret: one e-mail address in two identities,
    // with the same visible part (a keyed hash of the value).
    const secret = Buffer.alloc(32, 7);
    const legacy = {
      'idt_0f8c9e2a-1111-4222-8333-444455556666':
        'FPT:kxt@kcwnqbd.rrp:AZUZ3c83njnC+MPodyNPPFF1xo7Y8pJjJFo4VlSa6r18B7kUXqDPAKizPP0MX0GhwAS+GA==',
      'idt_1f8c9e2a-1111-4222-8333-444455556666':
        'FPT:kxt@kcwnqbd.rrp:AZUZ3c83njnCDD+m2YChShct9Fbha+9iZ6sfbvgJJ1cUI7q+hi5mE495kmkmI+wLVK3F7w==',
    };
    // The database holds the other tests' tokens too (keys A and B, one damaged token).
    const k = withKeys([secret, keyB, keyA]);
    for (const [id, token] of Object.entries(legacy)) {
      await k.identities.create({ identityId: id, attributes: { email_address: 'x' } });
      await ds.query(`UPDATE identity SET email_address = $2 WHERE identity_id = $1`, [id, token]);
      // As the migration leaves a row made before it: random_visible = false.
      await ds.query(
        `INSERT INTO identity_token (identity_id, field, key_id, random_visible)
         VALUES ($1, 'EmailAddress', '9519ddcf379e39c2', false)`,
        [id],
      );
    }
    const ids = Object.keys(legacy);
    // Old tokens open as they are.
    expect(await k.tokenization.detokenize(ids[0], ['emailAddress'], actor)).toEqual({
      emailAddress: 'ada@example.org',
    });
    const first = await k.tokenization.rotate();
    expect(first.failures.map((f) => f.identityId)).not.toContain(ids[0]);
    expect(first.failures.map((f) => f.identityId)).not.toContain(ids[1]);
    const rows: { email_address: string }[] = await ds.query(
      `SELECT email_address FROM identity WHERE identity_id = ANY($1::text[])`,
      [ids],
    );
    const visibles = rows.map((r) => r.email_address.split(':')[1]);
    expect(visibles).not.toContain('kxt@kcwnqbd.rrp');
    expect(visibles[0]).not.toBe(visibles[1]);
    for (const id of ids) {
      expect(await k.tokenization.detokenize(id, [], actor)).toEqual({
        EmailAddress: 'ada@example.org',
      });
    }
    const again = await k.tokenization.rotate();
    expect({ identities: again.identities, fields: again.fields }).toEqual({
      identities: 0,
      fields: 0,
    });
    const flags: { random_visible: boolean }[] = await ds.query(
      `SELECT random_visible FROM identity_token WHERE identity_id = ANY($1::text[])`,
      [ids],
    );
    expect(flags).toEqual([{ random_visible: true }, { random_visible: true }]);
  });
});
