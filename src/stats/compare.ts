// "Better, worse, or within noise": percent change of the median with a bootstrap confidence
// interval. Deterministic (seeded resampling) so the same samples always give the same verdict.
import { median } from './summary.js';

export type Direction = 'lower_is_better' | 'higher_is_better';
export type Verdict = 'better' | 'worse' | 'within_noise';

export interface Comparison {
  baselineMedian: number;
  candidateMedian: number;
  /** (candidate - baseline) / baseline × 100. */
  changePct: number;
  /** Confidence interval of changePct. */
  ciLowPct: number;
  ciHighPct: number;
  confidence: number;
  verdict: Verdict;
  /** candidate / baseline median ratio. */
  ratio: number;
}

/** Small fast PRNG (mulberry32) so resampling is reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function resampleMedian(values: readonly number[], rand: () => number): number {
  const sample = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) sample[i] = values[Math.floor(rand() * values.length)]!;
  return median(sample);
}

export interface CompareOptions {
  direction?: Direction;
  confidence?: number;
  resamples?: number;
  seed?: number;
  /** Changes smaller than this many percent are never called better/worse (practical significance). */
  minEffectPct?: number;
}

export function compareSamples(baseline: readonly number[], candidate: readonly number[], options: CompareOptions = {}): Comparison {
  if (baseline.length === 0 || candidate.length === 0) throw new RangeError('both baseline and candidate need at least one sample');
  const direction = options.direction ?? 'lower_is_better';
  const confidence = options.confidence ?? 0.95;
  const resamples = options.resamples ?? 2000;
  const minEffect = options.minEffectPct ?? 1;
  const rand = seededRandom(options.seed ?? 0x5c4ed);
  const b = median(baseline);
  const c = median(candidate);
  const changes: number[] = [];
  for (let i = 0; i < resamples; i++) {
    const rb = resampleMedian(baseline, rand);
    const rc = resampleMedian(candidate, rand);
    if (rb !== 0) changes.push(((rc - rb) / Math.abs(rb)) * 100);
  }
  changes.sort((x, y) => x - y);
  const alpha = (1 - confidence) / 2;
  const pick = (q: number) => changes.length === 0 ? 0 : changes[Math.min(changes.length - 1, Math.max(0, Math.floor(q * changes.length)))]!;
  const ciLow = pick(alpha);
  const ciHigh = pick(1 - alpha);
  const changePct = b === 0 ? 0 : ((c - b) / Math.abs(b)) * 100;
  let verdict: Verdict = 'within_noise';
  const significant = (ciLow > 0 || ciHigh < 0) && Math.abs(changePct) >= minEffect;
  if (significant) {
    const increased = ciLow > 0;
    verdict = (increased === (direction === 'higher_is_better')) ? 'better' : 'worse';
  }
  return { baselineMedian: b, candidateMedian: c, changePct, ciLowPct: ciLow, ciHighPct: ciHigh, confidence, verdict, ratio: b === 0 ? 0 : c / b };
}
