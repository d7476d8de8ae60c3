// Descriptive statistics over trial samples. Pure functions; every caller (feedback channel,
// verifier perf stage, deployer KPIs, eval harness) uses these so there is one definition of each.

function sorted(values: readonly number[]): number[] {
  if (values.length === 0) throw new RangeError('statistics need at least one sample');
  return [...values].sort((a, b) => a - b);
}

/** Linear-interpolated percentile, p in [0, 100]. */
export function percentile(values: readonly number[], p: number): number {
  const s = sorted(values);
  if (p <= 0) return s[0]!;
  if (p >= 100) return s[s.length - 1]!;
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo]! + (s[hi]! - s[lo]!) * (rank - lo);
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('statistics need at least one sample');
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export function stddev(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
  stddev: number;
  /** Relative spread: (p95 - p5) / p50, 0 when p50 is 0. */
  spread: number;
}

export function summarize(values: readonly number[]): Summary {
  const p50 = median(values);
  return {
    n: values.length,
    min: percentile(values, 0),
    p50,
    p95: percentile(values, 95),
    max: percentile(values, 100),
    mean: mean(values),
    stddev: stddev(values),
    spread: p50 === 0 ? 0 : (percentile(values, 95) - percentile(values, 5)) / Math.abs(p50),
  };
}
