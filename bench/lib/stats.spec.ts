import { percentile, summarize } from './stats';

describe('bench stats', () => {
  it('takes nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([], 99)).toBe(0);
  });

  it('summarizes unsorted samples numerically, not as strings', () => {
    const s = summarize([10, 9, 100, 1, 2]);
    expect(s).toEqual({ count: 5, p50: 9, p95: 100, p99: 100, max: 100 });
  });
});
