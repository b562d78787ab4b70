import { DomainError } from '@libs/core/domain-error';
import { parseHookInput, parseHookTypeFilter } from './hook';
import { backoffMs, cleanMessage, evaluateAttempt } from './hook-answer';

const ok = { url: 'https://hooks.example.com/x', type: 'PRE_TRANSACTION' };

function refusal(body: unknown, action: 'register' | 'update' = 'register'): DomainError {
  try {
    parseHookInput(body, action);
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('parseHookInput', () => {
  it("applies Blnk's defaults and bounds (reference §2.11)", () => {
    expect(parseHookInput(ok, 'register')).toEqual({
      name: '',
      url: ok.url,
      type: 'PRE_TRANSACTION',
      active: false,
      timeout: 30,
      retryCount: 0,
      blocking: false,
      failOpen: false,
    });
    const bounded = (timeout: unknown, retry_count: unknown) => {
      const h = parseHookInput({ ...ok, timeout, retry_count }, 'register');
      return [h.timeout, h.retryCount];
    };
    expect(bounded(0, -1)).toEqual([30, 3]);
    expect(bounded(-5, 11)).toEqual([30, 10]);
    expect(bounded(7, 4)).toEqual([7, 4]);
    expect(bounded(1_000_000, 10n ** 30n)).toEqual([300, 10]);
    expect(bounded(-(10n ** 30n), -(10n ** 30n))).toEqual([30, 3]);
  });

  it('refuses a wrong type as "invalid hook data", in the hooks legacy shape', () => {
    const e = refusal({ ...ok, timeout: '30' });
    expect(e.code).toBe('HOOK_INVALID');
    expect(e.message).toBe('invalid hook data: timeout must be an integer');
    expect(e.extra).toEqual({ code: 'INVALID_INPUT', message: e.message, details: {} });
    expect(refusal({ ...ok, timeout: 1.5 }).message).toMatch(/timeout must be an integer/);
    expect(refusal({ ...ok, active: 'yes' }).message).toMatch(/active must be true or false/);
    expect(refusal([ok]).message).toMatch(/must be a JSON object/);
    expect(refusal({ ...ok, blockin: true }).message).toBe(
      'invalid hook data: unknown field blockin',
    );
  });

  it('accepts the fields of a hook read back, and ignores them', () => {
    const back = { ...ok, id: 'hook_x', created_at: 'x', last_run: 'y', last_success: true };
    expect(parseHookInput(back, 'update')).not.toHaveProperty('createdAt');
  });

  it.each([
    [{ type: 'PRE_TRANSACTION' }, 'hook URL is required'],
    [{ ...ok, url: 'hooks.example.com/x' }, 'must be an absolute http or https URL'],
    [{ ...ok, url: 'file:///etc/passwd' }, 'must be an absolute http or https URL'],
    [{ ...ok, url: 'javascript:alert(1)' }, 'must be an absolute http or https URL'],
    [{ ...ok, url: 'https://user:pw@hooks.example.com/' }, 'must not contain credentials'],
    [{ ...ok, url: 'http://127.0.0.1:6000/' }, 'port 6000'],
    [{ ...ok, url: `https://h.example.com/${'a'.repeat(2100)}` }, 'at most 2048 characters'],
    [{ url: ok.url }, 'invalid hook type: '],
    [{ ...ok, type: 'pre_transaction' }, 'invalid hook type: pre_transaction'],
    [{ ...ok, id: 'a/b' }, 'id must be'],
    [{ ...ok, type: 'POST_TRANSACTION', blocking: true }, 'blocking applies to PRE_TRANSACTION'],
    [{ ...ok, type: 'POST_TRANSACTION', fail_open: true }, 'fail_open applies to PRE_TRANSACTION'],
    [{ ...ok, fail_open: true }, 'fail_open applies to blocking hooks only'],
  ])('refuses %j: %s', (body, reason) => {
    const e = refusal(body);
    expect(e.code).toBe('HOOK_INVALID');
    expect(e.message).toContain('failed to register hook: ');
    expect(e.message).toContain(reason);
  });

  it('keeps a blocking, fail-open pre-hook', () => {
    expect(parseHookInput({ ...ok, blocking: true, fail_open: true }, 'update')).toMatchObject({
      blocking: true,
      failOpen: true,
    });
  });
});

describe('parseHookTypeFilter', () => {
  it('takes either type, or none', () => {
    expect(parseHookTypeFilter(undefined)).toBeUndefined();
    expect(parseHookTypeFilter('')).toBeUndefined();
    expect(parseHookTypeFilter('POST_TRANSACTION')).toBe('POST_TRANSACTION');
    expect(() => parseHookTypeFilter('BOTH')).toThrow('invalid hook type: BOTH');
  });
});

describe('evaluateAttempt', () => {
  const answer = (status: number, body = '', tooLarge = false) =>
    evaluateAttempt({ kind: 'answer', status, body, tooLarge });

  it('reads answers as Blnk does, and a 3xx as a failure', () => {
    expect(answer(200)).toEqual({ result: 'success' });
    expect(answer(201, 'ok')).toEqual({ result: 'success' });
    expect(answer(302, '')).toMatchObject({ result: 'refused' });
    expect(answer(302, 'moved')).toMatchObject({ result: 'refused' });
    expect(answer(400, 'bad')).toMatchObject({ result: 'refused' });
    expect(answer(429, 'slow down')).toMatchObject({ result: 'transient' });
    expect(answer(502)).toMatchObject({ result: 'transient' });
    expect(answer(200, '{"success":true,"message":"fine"}')).toEqual({
      result: 'success',
      message: 'fine',
    });
    expect(answer(200, '{"success":false,"message":"no"}')).toMatchObject({
      result: 'refused',
      message: 'no',
    });
    expect(answer(200, '{"success":false,"message":7}')).toEqual({ result: 'success' });
    expect(answer(200, 'x', true)).toMatchObject({ result: 'refused' });
    expect(evaluateAttempt({ kind: 'timeout', error: 't' })).toEqual({
      result: 'unreachable',
      reason: 't',
    });
  });

  it('bounds and cleans a message', () => {
    expect(cleanMessage('a\r\nb\u0000c')).toBe('a b c');
    expect(Array.from(cleanMessage('😀'.repeat(5000)))).toHaveLength(1000);
  });
});

describe('backoffMs', () => {
  it('doubles from the first delay, is capped, and jitters its upper half', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 200, 1000, 1))).toEqual([200, 400, 800, 1000]);
    expect(backoffMs(1, 200, 1000, 0)).toBe(100);
    expect(backoffMs(40, 200, 5000, 0.5)).toBe(3750);
  });
});
