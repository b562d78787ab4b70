import { JsonBodyError } from '@libs/core/json';
import { malformedBodyKey, toEnvelope } from './error.filter';

describe('toEnvelope: a body that cannot be bound', () => {
  it('uses the standard key `error` on transaction routes (reference §6.1, §2.5.1)', () => {
    for (const req of [
      { method: 'POST', url: '/transactions' },
      { method: 'POST', url: '/transactions/bulk' },
      { method: 'PUT', url: '/transactions/inflight/txn_1' },
      { method: 'POST', url: '/refund-transaction/txn_1' },
      { method: 'POST', url: '/balances' },
    ]) {
      const { status, body } = toEnvelope(new JsonBodyError('Unexpected end'), undefined, req);
      expect(status).toBe(400);
      expect(body).toEqual({
        error: 'Invalid input: Unexpected end',
        error_detail: { code: 'GEN_MALFORMED_REQUEST', message: 'Invalid input: Unexpected end' },
      });
    }
  });

  it('uses `errors` on the ledger writes, which kept it (reference §2.2)', () => {
    expect(malformedBodyKey({ method: 'POST', url: '/ledgers' })).toBe('errors');
    expect(malformedBodyKey({ method: 'POST', url: '/ledgers/?x=1' })).toBe('errors');
    expect(malformedBodyKey({ method: 'PUT', url: '/ledgers/ldg_1' })).toBe('errors');
    expect(malformedBodyKey({ method: 'POST', url: '/ledgers/filter' })).toBe('error');
    expect(malformedBodyKey(undefined)).toBe('error');
  });

  it('treats a body Fastify refused like malformed JSON', () => {
    const err = Object.assign(new Error('Body is not valid JSON'), {
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
      statusCode: 400,
    });
    const { body } = toEnvelope(err, undefined, { method: 'POST', url: '/transactions' });
    expect(body.error_detail).toMatchObject({ code: 'GEN_MALFORMED_REQUEST' });
    expect(body.error).toBeDefined();
  });
});

describe('toEnvelope: router errors (Fastify frameworkErrors)', () => {
  it('answers a too long path parameter or bad URL encoding in the envelope, without the path', () => {
    const long = Object.assign(new Error(`'/transactions/${'x'.repeat(500)}' is too long`), {
      code: 'FST_ERR_MAX_PARAM_LENGTH',
      statusCode: 414,
    });
    expect(toEnvelope(long)).toEqual({
      status: 400,
      body: {
        error: 'a path parameter is too long',
        error_detail: { code: 'GEN_BAD_REQUEST', message: 'a path parameter is too long' },
      },
    });
    const bad = Object.assign(new Error('bad'), { code: 'FST_ERR_BAD_URL', statusCode: 400 });
    expect(toEnvelope(bad).body.error_detail).toMatchObject({ code: 'GEN_BAD_REQUEST' });
  });
});

describe('toEnvelope: database errors caused by the request', () => {
  const pgError = (code: string) =>
    Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
      code,
      severity: 'ERROR',
    });
  const typeormError = (code: string) =>
    Object.assign(new Error('QueryFailedError'), { code, driverError: pgError(code) });

  it.each(['22021', '22P05', '22003', '22007', '54000', '54001'])(
    'answers SQLSTATE %s with 400 GEN_BAD_REQUEST, never echoing the database message',
    (code) => {
      for (const err of [pgError(code), typeormError(code)]) {
        const { status, body } = toEnvelope(err);
        expect(status).toBe(400);
        expect(body.error_detail).toMatchObject({ code: 'GEN_BAD_REQUEST' });
        expect(JSON.stringify(body)).not.toContain('UTF8');
      }
    },
  );

  it('keeps every other database error a 500 with a sanitized message', () => {
    // (08006, a connection failure, is an outage: 503, tested with the outage errors.)
    for (const code of ['23505', '40001', '57014']) {
      expect(toEnvelope(pgError(code))).toEqual({
        status: 500,
        body: {
          error: 'internal server error',
          error_detail: { code: 'GEN_INTERNAL', message: 'internal server error' },
        },
      });
    }
    // A `code` that only looks like a SQLSTATE, on an error that is not from the database.
    expect(toEnvelope(Object.assign(new Error('x'), { code: '22021' })).status).toBe(500);
  });

  it('answers a connection failure of the database (class 08) 503 with Retry-After', () => {
    const e = toEnvelope(pgError('08006'));
    expect(e.status).toBe(503);
    expect(e.body).toMatchObject({ error_detail: { code: 'GEN_SERVICE_UNAVAILABLE' } });
    expect(e.headers).toEqual({ 'retry-after': '1' });
  });
});
