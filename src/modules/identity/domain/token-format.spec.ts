import { formatToken, parseToken, TokenFormatError, visibleOf } from './token-format';

const seed = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) % 256);

describe('visibleOf', () => {
  it('keeps the shape: case of letters, digits, ASCII punctuation and spaces', () => {
    const v = visibleOf('Ada.Lovelace+1@example.com 42', seed(40));
    expect(v).toMatch(/^[A-Z][a-z]{2}\.[A-Z][a-z]{7}\+\d@[a-z]{7}\.[a-z]{3} \d{2}$/);
  });
  it('lets no non-ASCII character of the value through (Blnk copies them)', () => {
    const value = 'Владимир Żółć 東京';
    const v = visibleOf(value, seed(40));
    expect([...v]).toHaveLength([...value].length);
    expect(v).toMatch(/^[a-z]+ [a-z]+ [a-z]+$/);
  });
  it('refuses a seed shorter than the value', () => {
    expect(() => visibleOf('abc', seed(2))).toThrow();
  });
});

describe('parseToken', () => {
  const payload = {
    keyId: Buffer.alloc(8, 1),
    nonce: Buffer.alloc(12, 2),
    ciphertext: Buffer.from('secret'),
    tag: Buffer.alloc(16, 3),
  };

  it('reads back what formatToken wrote, even when the visible part holds colons', () => {
    const parsed = parseToken(formatToken('ab:cd', payload));
    expect(parsed.visible).toBe('ab:cd');
    expect(parsed.payload.keyId).toEqual(payload.keyId);
    expect(parsed.payload.nonce).toEqual(payload.nonce);
    expect(parsed.payload.ciphertext.toString()).toBe('secret');
    expect(parsed.payload.tag).toEqual(payload.tag);
  });

  it.each([
    ['no prefix', 'XYZ:ab:AAAA'],
    ['no payload', 'FPT:'],
    ['not base64', 'FPT:ab:AA*A'],
    ['sloppy base64', 'FPT:ab:AAA'],
    ['too short', `FPT:ab:${Buffer.alloc(20).toString('base64')}`],
    ['unknown version', `FPT:ab:${Buffer.alloc(40, 9).toString('base64')}`],
  ])('refuses %s', (_what, token) => {
    expect(() => parseToken(token)).toThrow(TokenFormatError);
  });
});
