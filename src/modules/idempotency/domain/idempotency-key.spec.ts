import {
  ANSWER_GRACE_MS,
  keepsAnswer,
  MAX_KEY_LENGTH,
  parseIdempotencyKey,
  StoredKey,
  verdictOn,
} from './idempotency-key';

const answer = { status: 201, contentType: 'application/json', body: new Uint8Array([123, 125]) };
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'accepted';
};

describe('Idempotency-Key rules', () => {
  it('accepts 1 to 255 visible ASCII characters, spaces only inside', () => {
    expect(parseIdempotencyKey('a')).toBe('a');
    expect(parseIdempotencyKey('order 42/retry:1')).toBe('order 42/retry:1');
    expect(parseIdempotencyKey('k'.repeat(MAX_KEY_LENGTH))).toHaveLength(MAX_KEY_LENGTH);
    for (const bad of [
      '',
      'k'.repeat(MAX_KEY_LENGTH + 1),
      ' a',
      'a ',
      'a\tb',
      'caf\u00e9',
      'a\u0000',
    ]) {
      expect(code(() => parseIdempotencyKey(bad))).toBe('IDEMPOTENCY_KEY_INVALID');
    }
  });

  it('replays the answer of the same request, refuses another request with the key', () => {
    const stored: StoredKey = { requestHash: 'h', ageMs: 5, answer };
    expect(verdictOn(stored, 'h')).toEqual({ replay: answer });
    const other = verdictOn(stored, 'other');
    expect('refuse' in other && other.refuse.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('a recorded key without an answer is in use, then lost after the grace period', () => {
    const young = verdictOn({ requestHash: 'h', ageMs: ANSWER_GRACE_MS - 1 }, 'h');
    expect('refuse' in young && young.refuse.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    const old = verdictOn({ requestHash: 'h', ageMs: ANSWER_GRACE_MS }, 'h');
    expect('refuse' in old && old.refuse.code).toBe('IDEMPOTENCY_ANSWER_LOST');
    // Another request is refused as reused even while the first one runs.
    const reused = verdictOn({ requestHash: 'h', ageMs: 0 }, 'x');
    expect('refuse' in reused && reused.refuse.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('keeps every answer given with an effect, and only final answers without one', () => {
    for (const s of [200, 201, 400, 404, 409, 422]) expect(keepsAnswer(s, false)).toBe(true);
    for (const s of [408, 429, 500, 503]) expect(keepsAnswer(s, false)).toBe(false);
    for (const s of [201, 500, 503]) expect(keepsAnswer(s, true)).toBe(true);
  });
});
