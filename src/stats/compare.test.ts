import { describe, expect, it } from 'vitest';
import { compareSamples, median, percentile, summarize, seededRandom } from './index.js';

const noisy = (center: number, n: number, seed: number, jitter = 0.03) => {
  const rand = seededRandom(seed);
  return Array.from({ length: n }, () => center * (1 + (rand() - 0.5) * 2 * jitter));
};

describe('stats', () => {
  it('computes interpolated percentiles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 95)).toBeCloseTo(48);
    expect(() => median([])).toThrow(RangeError);
    expect(summarize([1, 1, 1]).spread).toBe(0);
  });

  it('calls a 2x slowdown worse and a no-change run within noise', () => {
    const base = noisy(100, 10, 1);
    expect(compareSamples(base, noisy(200, 10, 2)).verdict).toBe('worse');
    const same = compareSamples(base, noisy(100, 10, 3));
    expect(same.verdict).toBe('within_noise');
    expect(same.ciLowPct).toBeLessThan(0);
    expect(same.ciHighPct).toBeGreaterThan(0);
  });

  it('respects the metric direction', () => {
    const base = noisy(1000, 8, 4);
    const faster = noisy(500, 8, 5);
    expect(compareSamples(base, faster, { direction: 'lower_is_better' }).verdict).toBe('better');
    expect(compareSamples(base, faster, { direction: 'higher_is_better' }).verdict).toBe('worse');
    const c = compareSamples(base, faster);
    expect(c.changePct).toBeCloseTo(((median(faster) - median(base)) / median(base)) * 100, 9);
    expect(c.ratio).toBeCloseTo(median(faster) / median(base), 9);
  });

  it('is deterministic for the same samples', () => {
    const a = noisy(10, 7, 6, 0.2);
    const b = noisy(11, 7, 7, 0.2);
    expect(compareSamples(a, b)).toEqual(compareSamples(a, b));
  });
});
