import fc from 'fast-check';
import { BucketState, idleTtlMs, limitsFrom, takeToken } from './token-bucket';

describe('token bucket', () => {
  const limits = { rate: 2, burst: 3 };

  it('admits a burst, then one request per 1/rate seconds', () => {
    let state: BucketState | undefined;
    const at = (ms: number) => {
      const r = takeToken(state, ms, limits);
      state = r.state;
      return r;
    };
    expect([at(0), at(0), at(0)].every((r) => r.allowed)).toBe(true);
    const refused = at(0);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(500);
    expect(at(499).allowed).toBe(false);
    expect(at(500).allowed).toBe(true);
    expect(at(600).allowed).toBe(false);
  });

  it('never holds more than the burst, however long it was idle', () => {
    let state = takeToken(undefined, 0, limits).state;
    state = takeToken(state, 3_600_000, limits).state;
    expect(state.tokens).toBeCloseTo(2);
  });

  it('admits at most burst + rate × elapsed requests (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 300 }),
        (rate, burst, gaps) => {
          let state: BucketState | undefined;
          let now = 0;
          let admitted = 0;
          for (const gap of gaps) {
            now += gap;
            const r = takeToken(state, now, { rate, burst });
            state = r.state;
            if (r.allowed) admitted++;
            else expect(r.retryAfterMs).toBeGreaterThan(0);
          }
          expect(admitted).toBeLessThanOrEqual(burst + Math.floor((rate * now) / 1000));
        },
      ),
    );
  });

  it('follows Blnk for the two configuration keys', () => {
    expect(limitsFrom(undefined, undefined)).toBeNull();
    expect(limitsFrom(10, undefined)).toEqual({ rate: 10, burst: 20 });
    expect(limitsFrom(undefined, 10)).toEqual({ rate: 5, burst: 10 });
    expect(limitsFrom(undefined, 1)).toEqual({ rate: 1, burst: 1 });
    expect(limitsFrom(3, 7)).toEqual({ rate: 3, burst: 7 });
    expect(idleTtlMs({ rate: 2, burst: 10 })).toBe(5000);
  });
});
