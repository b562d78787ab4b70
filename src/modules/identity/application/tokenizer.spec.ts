import { randomBytes } from 'node:crypto';
import { StaticTokenKeys } from '../infrastructure/keys/static-token-keys';
import { Tokenizer } from './tokenizer';

const place = { identityId: 'idt_0f8c9e2a-1111-4222-8333-444455556666', field: 'FirstName' };
const invalid = expect.objectContaining({ code: 'IDT_TOKEN_INVALID' });

describe('Tokenizer (AES-256-GCM, rotating keys)', () => {
  const a = randomBytes(32);
  const b = randomBytes(32);

  it('round-trips, with a fresh nonce each time and no plaintext in the token', async () => {
    const t = new Tokenizer(new StaticTokenKeys([a]));
    const value = 'Ada Lovelace-Byron';
    const one = await t.tokenize(value, place);
    const two = await t.tokenize(value, place);
    expect(one.token).toMatch(/^FPT:[A-Z][a-z]{2} [A-Z][a-z]{7}-[A-Z][a-z]{4}:[A-Za-z0-9+/]+=*$/);
    expect(one.token).not.toContain('Lovelace');
    expect(one.token).not.toBe(two.token);
    expect(await t.detokenize(one.token, place)).toEqual({ value, keyId: one.keyId });
  });

  it('draws the visible part at random: equal values share only their shape', async () => {
    const t = new Tokenizer(new StaticTokenKeys([a]));
    const value = 'grace.hopper@navy.example.org';
    const other = { ...place, identityId: 'idt_1f8c9e2a-1111-4222-8333-444455556666' };
    const visibles = [];
    for (const p of [place, place, other, { ...place, field: 'EmailAddress' }]) {
      visibles.push((await t.tokenize(value, p)).token.split(':')[1]);
    }
    expect(new Set(visibles).size).toBe(visibles.length);
    for (const v of visibles)
      expect(v).toMatch(/^[a-z]{5}\.[a-z]{6}@[a-z]{4}\.[a-z]{7}\.[a-z]{3}$/);
  });

  it('still opens tokens made before, whose visible part was a keyed hash of the value', async () => {
    // Made by the release before issue 11 with this secret: one value in two identities, with
    // the same visible part.
    const t = new Tokenizer(new StaticTokenKeys([Buffer.alloc(32, 7)]));
    const legacy = [
      'FPT:kxt@kcwnqbd.rrp:AZUZ3c83njnC+MPodyNPPFF1xo7Y8pJjJFo4VlSa6r18B7kUXqDPAKizPP0MX0GhwAS+GA==',
      'FPT:kxt@kcwnqbd.rrp:AZUZ3c83njnCDD+m2YChShct9Fbha+9iZ6sfbvgJJ1cUI7q+hi5mE495kmkmI+wLVK3F7w==',
    ];
    const ids = [
      'idt_0f8c9e2a-1111-4222-8333-444455556666',
      'idt_1f8c9e2a-1111-4222-8333-444455556666',
    ];
    for (const [i, token] of legacy.entries()) {
      const at = { identityId: ids[i], field: 'EmailAddress' };
      expect(await t.detokenize(token, at)).toEqual({
        value: 'ada@example.org',
        keyId: '9519ddcf379e39c2',
      });
    }
    await expect(
      t.detokenize(legacy[0], { identityId: ids[1], field: 'EmailAddress' }),
    ).rejects.toEqual(invalid);
  });

  it('the newest key encrypts; a retired key still decrypts; a dropped key does not', async () => {
    const old = await new Tokenizer(new StaticTokenKeys([a])).tokenize('x@y.z', place);
    const rotated = new Tokenizer(new StaticTokenKeys([b, a]));
    const fresh = await rotated.tokenize('x@y.z', place);
    expect(fresh.keyId).not.toBe(old.keyId);
    expect((await rotated.detokenize(old.token, place)).value).toBe('x@y.z');
    const onlyB = new Tokenizer(new StaticTokenKeys([b]));
    expect((await onlyB.detokenize(fresh.token, place)).value).toBe('x@y.z');
    await expect(onlyB.detokenize(old.token, place)).rejects.toThrow(
      /which this server does not have/,
    );
  });

  it('any flipped bit anywhere in the token fails cleanly, never yielding another value', async () => {
    const t = new Tokenizer(new StaticTokenKeys([a]));
    // Payloads of 42, 40 and 41 bytes: base64 without padding, with "==" and with "=".
    for (const value of ['Grace', 'Ada', 'Anna']) {
      const { token } = await t.tokenize(value, place);
      const bytes = Buffer.from(token, 'latin1');
      for (let i = 0; i < bytes.length * 8; i++) {
        const bad = Buffer.from(bytes);
        bad[i >> 3] ^= 1 << (i & 7);
        await expect(t.detokenize(bad.toString('latin1'), place)).rejects.toEqual(invalid);
      }
    }
  });

  it('a token moved to another identity or field does not open', async () => {
    const t = new Tokenizer(new StaticTokenKeys([a]));
    const { token } = await t.tokenize('Grace', place);
    await expect(t.detokenize(token, { ...place, field: 'LastName' })).rejects.toEqual(invalid);
    await expect(
      t.detokenize(token, { ...place, identityId: 'idt_1f8c9e2a-1111-4222-8333-444455556666' }),
    ).rejects.toEqual(invalid);
  });

  it('without a key it is disabled (403), not a crash', async () => {
    const t = new Tokenizer(new StaticTokenKeys([]));
    expect(await t.enabled()).toBe(false);
    await expect(t.tokenize('x', place)).rejects.toEqual(
      expect.objectContaining({ code: 'IDT_TOKENIZATION_DISABLED' }),
    );
  });

  it('derives distinct, stable key ids and refuses secrets that are not 32 bytes', () => {
    const k1 = new StaticTokenKeys([a, b, a]).ids();
    expect(k1).toHaveLength(2);
    expect(new StaticTokenKeys([a]).ids()).toEqual([k1[0]]);
    expect(k1[0]).toMatch(/^[0-9a-f]{16}$/);
    expect(() => new StaticTokenKeys([randomBytes(31)])).toThrow(/32 bytes/);
  });
});
