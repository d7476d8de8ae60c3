// Wakeup-latency judgement of the performance stage (pure): guest-measured lateness percentiles
// of sleepers beside CPU hogs, policy against the default scheduler in the same VM. A ratio test,
// not a noise-aware one: emulation adds milliseconds, so only gross regressions may fail.
import { median } from '../stats/index.js';
import type { WorkloadResult } from '../vm/index.js';

export interface LatencyRule { workload: string; metric: string; failRatio: number; failFloorUs: number; warnRatio: number; warnFloorUs: number }

export interface LatencySide { values: number[]; median: number; p50Us: number; p99Us: number; maxUs: number; p99ByTrial: number[] }

export interface LatencyJudgement {
  workload: string; metric: string;
  /** Per-trial values of the judged metric and, for the record, p50 and max (µs). */
  baseline: LatencySide;
  candidate: LatencySide;
  ratio: number; failRatio: number; failFloorUs: number; warnRatio: number; warnFloorUs: number;
  /** Per-trial p99 and max are kept as evidence; they are too noisy under emulation to judge. */
  verdict: 'pass' | 'warn' | 'fail';
}

const TRIAL = /\.t\d+$/;

function side(list: readonly WorkloadResult[], workload: string, metric: string) {
  const runs = list.filter((w) => w.name.replace(TRIAL, '') === workload && !w.timedOut && w.exitCode === 0 && Number.isFinite(w.metrics[metric]));
  if (runs.length === 0) return undefined;
  const values = runs.map((w) => w.metrics[metric]!);
  const all = (key: string) => runs.map((w) => w.metrics[key] ?? Number.NaN).filter(Number.isFinite);
  const pick = (key: string) => (all(key).length > 0 ? median(all(key)) : Number.NaN);
  return { values, median: median(values), p50Us: pick('p50Us'), p99Us: pick('p99Us'), maxUs: pick('maxUs'), p99ByTrial: all('p99Us') };
}

/** Undefined when either side has no samples (the caller notes it and withholds a full-deploy token). */
export function judgeLatency(rule: LatencyRule, baseline: readonly WorkloadResult[], candidate: readonly WorkloadResult[]): LatencyJudgement | undefined {
  const b = side(baseline, rule.workload, rule.metric);
  const c = side(candidate, rule.workload, rule.metric);
  if (!b || !c) return undefined;
  // A baseline p99 of 0 µs would make every ratio infinite: 1 µs is below any timer's resolution here.
  const ratio = c.median / Math.max(b.median, 1);
  const verdict = ratio >= rule.failRatio && c.median >= rule.failFloorUs ? 'fail' : ratio >= rule.warnRatio && c.median >= rule.warnFloorUs ? 'warn' : 'pass';
  return { workload: rule.workload, metric: rule.metric, baseline: b, candidate: c, ratio, failRatio: rule.failRatio, failFloorUs: rule.failFloorUs, warnRatio: rule.warnRatio, warnFloorUs: rule.warnFloorUs, verdict };
}

const ms = (us: number) => `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;

export function describeLatency(j: LatencyJudgement): string {
  return `wakeup latency beside CPU hogs (${j.workload}) ${j.metric.replace(/Us$/, '')} ${ms(j.candidate.median)} vs ${ms(j.baseline.median)} under the default scheduler (${j.ratio.toFixed(1)}x; p99 ${ms(j.candidate.p99Us)} vs ${ms(j.baseline.p99Us)}, max ${ms(j.candidate.maxUs)} vs ${ms(j.baseline.maxUs)}; fails at ${j.failRatio}x and ${ms(j.failFloorUs)} or more, warns from ${j.warnRatio}x and ${ms(j.warnFloorUs)})`;
}
