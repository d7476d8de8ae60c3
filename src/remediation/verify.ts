// Verification of effect: the target's own CPU, I/O or memory use sampled before and after an
// action, the motivating signal's score, and optionally a protected workload's KPI, each compared
// with the shared stats so the result says whether the action helped.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { compareSamples, type Comparison } from '../stats/index.js';
import type { Feedback, WorkloadRun } from '../tuning/feedback.js';
import type { SignalName } from '../analysis/signals/classify.js';
import { readProcess, rssBytes } from './procfs.js';

export type UsageMetric = 'cpu_pct' | 'io_bytes_per_s' | 'memory_bytes';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat is 100 on every Linux ABI. */
const TICKS_PER_SECOND = 100;

function ioBytes(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/io`, 'utf8');
    return Number(/^read_bytes:\s+(\d+)/m.exec(text)?.[1] ?? 0) + Number(/^write_bytes:\s+(\d+)/m.exec(text)?.[1] ?? 0);
  } catch { return undefined; }
}

function counters(metric: UsageMetric, pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const v = metric === 'cpu_pct' ? readProcess(pid)?.cpuTicks : metric === 'io_bytes_per_s' ? ioBytes(pid) : (rssBytes(pid) ?? 0);
    if (v !== undefined) out.set(pid, v);
  }
  return out;
}

/** `samples` readings of the metric over consecutive intervals (rates use only pids present at both ends). */
export async function sampleUsage(metric: UsageMetric, pids: () => number[], samples: number, intervalMs: number, signal?: AbortSignal): Promise<number[]> {
  const out: number[] = [];
  let last = counters(metric, pids());
  let lastAt = performance.now();
  for (let i = 0; i < samples; i++) {
    await sleep(intervalMs, undefined, signal ? { signal } : undefined);
    const now = counters(metric, pids());
    const at = performance.now();
    const seconds = (at - lastAt) / 1000;
    if (metric === 'memory_bytes') out.push([...now.values()].reduce((a, b) => a + b, 0));
    else {
      let delta = 0;
      for (const [pid, v] of now) if (last.has(pid)) delta += v - last.get(pid)!;
      out.push(metric === 'cpu_pct' ? (delta / TICKS_PER_SECOND / seconds) * 100 : delta / seconds);
    }
    last = now;
    lastAt = at;
  }
  return out;
}

export interface VerifySpec {
  /** Seconds sampled before and again after the action. */
  seconds: number;
  /** The signal that motivated the action; its score is compared before/after. */
  signal?: SignalName | undefined;
  /** A protected workload whose KPI must not get worse. */
  kpi?: { workload: string; trials: number; params?: Record<string, string | number> | undefined; maxRegressionPct: number } | undefined;
  /** Revert at once when the protected workload got worse beyond maxRegressionPct. */
  revertIfWorse: boolean;
}

export interface Baseline {
  usage: number[];
  signalScore?: number | undefined;
  kpiRun?: WorkloadRun | undefined;
}

export interface Verification {
  metric: UsageMetric;
  target: Pick<Comparison, 'baselineMedian' | 'candidateMedian' | 'changePct' | 'ciLowPct' | 'ciHighPct' | 'verdict'> & { before: number[]; after: number[] };
  signal?: { name: string; before: number | undefined; after: number | undefined; improved: boolean | undefined } | undefined;
  kpi?: { workload: string; metric: string; changePct: number; verdict: string; regression: boolean } | undefined;
  helped: 'yes' | 'no' | 'unclear';
  summary: string;
}

export interface VerifyDeps { feedback: Feedback; signal?: AbortSignal | undefined }

const SAMPLE_MS = 1000;

async function signalScore(deps: VerifyDeps, name: SignalName | undefined): Promise<number | undefined> {
  if (!name) return undefined;
  const signals = await deps.feedback.currentSignals(1000);
  return signals.find((s) => s.name === name)?.score ?? 0;
}

export async function measureBaseline(deps: VerifyDeps, spec: VerifySpec, metric: UsageMetric, pids: () => number[]): Promise<Baseline> {
  const kpiRun = spec.kpi ? await deps.feedback.runWorkload({ workload: spec.kpi.workload, trials: spec.kpi.trials, ...(spec.kpi.params && { params: spec.kpi.params }), ...(deps.signal && { signal: deps.signal }) }) : undefined;
  const usage = await sampleUsage(metric, pids, Math.max(2, spec.seconds), SAMPLE_MS, deps.signal);
  return { usage, signalScore: await signalScore(deps, spec.signal), kpiRun };
}

export async function measureEffect(deps: VerifyDeps, spec: VerifySpec, metric: UsageMetric, pids: () => number[], baseline: Baseline): Promise<Verification> {
  const after = await sampleUsage(metric, pids, Math.max(2, spec.seconds), SAMPLE_MS, deps.signal);
  const c = compareSamples(baseline.usage, after, { direction: 'lower_is_better', minEffectPct: 5 });
  const target = { baselineMedian: c.baselineMedian, candidateMedian: c.candidateMedian, changePct: c.changePct, ciLowPct: c.ciLowPct, ciHighPct: c.ciHighPct, verdict: c.verdict, before: baseline.usage, after };
  let signal: Verification['signal'];
  if (spec.signal) {
    const now = await signalScore(deps, spec.signal);
    signal = { name: spec.signal, before: baseline.signalScore, after: now, improved: now === undefined || baseline.signalScore === undefined ? undefined : now < baseline.signalScore };
  }
  let kpi: Verification['kpi'];
  if (spec.kpi && baseline.kpiRun) {
    const run = await deps.feedback.runWorkload({ workload: spec.kpi.workload, trials: spec.kpi.trials, ...(spec.kpi.params && { params: spec.kpi.params }), ...(deps.signal && { signal: deps.signal }) });
    const { comparison, metric: kpiMetric } = await deps.feedback.compare(baseline.kpiRun, run);
    kpi = { workload: spec.kpi.workload, metric: kpiMetric, changePct: comparison.changePct, verdict: comparison.verdict, regression: comparison.verdict === 'worse' && Math.abs(comparison.changePct) > spec.kpi.maxRegressionPct };
  }
  const reduced = c.verdict === 'better';
  const helped: Verification['helped'] = kpi?.regression ? 'no' : reduced && signal?.improved !== false ? 'yes' : c.verdict === 'worse' ? 'no' : 'unclear';
  const unit = metric === 'cpu_pct' ? '% CPU' : metric === 'io_bytes_per_s' ? ' B/s I/O' : ' B RSS';
  const summary = [
    `target ${metric}: median ${c.baselineMedian.toFixed(1)}${unit} → ${c.candidateMedian.toFixed(1)}${unit} (${c.changePct.toFixed(1)}%, CI ${c.ciLowPct.toFixed(1)}..${c.ciHighPct.toFixed(1)}%, ${c.verdict === 'better' ? 'reduced' : c.verdict === 'worse' ? 'increased' : 'within noise'})`,
    ...(signal ? [`signal ${signal.name}: score ${signal.before ?? '?'} → ${signal.after ?? '?'}`] : []),
    ...(kpi ? [`protected workload ${kpi.workload} ${kpi.metric}: ${kpi.changePct.toFixed(1)}% (${kpi.verdict}${kpi.regression ? ', regression beyond the limit' : ''})`] : []),
  ].join('; ');
  return { metric, target, ...(signal && { signal }), ...(kpi && { kpi }), helped, summary };
}
