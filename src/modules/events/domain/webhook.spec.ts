import { createHmac } from 'node:crypto';
import { blnkSignature as webhookSignature } from '@libs/core/blnk-signature';
import { retryDelayMs, succeeded } from './webhook';

describe('webhook rules', () => {
  it('signs "<timestamp>.<raw body>" with HMAC-SHA256, hex (reference §7.1)', () => {
    const body = '{"event":"ledger.created","data":{"n":90071992547409930}}';
    expect(webhookSignature('k', 1764547200, body)).toBe(
      createHmac('sha256', 'k').update(`1764547200.${body}`).digest('hex'),
    );
    expect(webhookSignature('k', 1764547200, body)).not.toBe(
      webhookSignature('k', 1764547201, body),
    );
  });

  it('backs off exponentially with jitter, capped; the first retry within 1.5 × the first delay', () => {
    expect(retryDelayMs(1, 5000, 3_600_000, 0)).toBe(5000);
    expect(retryDelayMs(1, 5000, 3_600_000, 0.999)).toBeLessThan(7500);
    expect(retryDelayMs(2, 5000, 3_600_000, 0)).toBe(10000);
    expect(retryDelayMs(5, 5000, 3_600_000, 0)).toBe(80000);
    expect(retryDelayMs(30, 5000, 3_600_000, 0)).toBe(3_600_000);
    expect(retryDelayMs(30, 5000, 3_600_000, 0.999)).toBeLessThan(5_400_000);
  });

  it('only a 2xx is a delivery', () => {
    expect(succeeded({ status: 200 })).toBe(true);
    expect(succeeded({ status: 204 })).toBe(true);
    expect(succeeded({ status: 302 })).toBe(false);
    expect(succeeded({ status: 500 })).toBe(false);
    expect(succeeded({ error: 'ECONNREFUSED' })).toBe(false);
  });
});
