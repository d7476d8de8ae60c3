// `schedcp eval`: measure a tuning plan with the feedback channel. Runs the workload N trials on
// the current settings, then under the plan, under each change alone (ablation) and under each
// value of a sweep (the responsiveness-vs-fairness curve), rolling back after every condition.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchedcpError } from '../errors.js';
import type { Direction } from '../stats/index.js';
import { changeChartSvg, curveSvg, evalRows, toCsv, type ConditionSamples, type CurvePoint, type EvalRow } from './eval-report.js';
import type { WorkloadRun } from './feedback.js';
import type { ProposedChange } from './guardrails.js';
import type { Tuning } from './index.js';

export interface EvalRequest {
  workload: string;
  trials: number;
  params?: Record<string, string | number>;
  target?: string;
  changes: ProposedChange[];
  ablation: boolean;
  sweep?: { key: string; values: string[]; xMetric: string; yMetric: string };
  outDir: string;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
}

export interface EvalReport {
  workload: string;
  primaryMetric: string;
  rows: EvalRow[];
  runs: Array<{ condition: string; runId: number; planId?: number }>;
  curve?: CurvePoint[];
  files: string[];
}

function samplesOf(condition: string, run: WorkloadRun): ConditionSamples {
  const samples: Record<string, number[]> = { duration_ms: run.trials.map((t) => t.durationMs) };
  for (const trial of run.trials) {
    for (const [metric, value] of Object.entries(trial.metrics)) (samples[metric] ??= []).push(value);
  }
  return { condition, samples };
}

export async function runEval(tuning: Tuning, request: EvalRequest): Promise<EvalReport> {
  if (request.changes.length === 0 && !request.sweep) throw new SchedcpError('invalid_argument', 'Nothing to evaluate: give plan changes (--set key=value) and/or a sweep (--sweep key=v1,v2,…).');
  if (request.ablation && request.changes.length < 2) throw new SchedcpError('invalid_argument', 'An ablation needs a plan of at least two changes.');
  // Validate every condition before running anything, so a bad sweep value fails fast.
  const conditions: Array<{ condition: string; changes: ProposedChange[] }> = [];
  if (request.changes.length) conditions.push({ condition: 'plan', changes: request.changes });
  if (request.ablation) for (const c of request.changes) conditions.push({ condition: `only ${c.key}`, changes: [c] });
  for (const value of request.sweep?.values ?? []) conditions.push({ condition: `${request.sweep!.key}=${value}`, changes: [{ key: request.sweep!.key, value }] });
  for (const c of conditions) {
    const check = await tuning.validate({ changes: c.changes, ...(request.target && { target: request.target }) });
    if (!check.ok) throw new SchedcpError('invalid_argument', `Condition ${JSON.stringify(c.condition)} is refused by the guardrails: ${check.denials.map((d) => `[${d.rule}] ${d.message}`).join(' ')}`);
  }
  const total = conditions.length + 1;
  let done = 0;
  const step = (message: string) => request.onProgress?.(++done, total, message);
  const runWorkload = () => tuning.feedback.runWorkload({ workload: request.workload, trials: request.trials, ...(request.params && { params: request.params }), ...(request.signal && { signal: request.signal }) });

  const baselineRun = await runWorkload();
  step('baseline');
  const baseline = samplesOf('baseline', baselineRun);
  const runs: EvalReport['runs'] = [{ condition: 'baseline', runId: baselineRun.id }];
  const measured: ConditionSamples[] = [];
  for (const c of conditions) {
    const applied = await tuning.apply({ mode: 'live', changes: c.changes, caller: 'eval', ...(request.target && { target: request.target }), ...(request.signal && { signal: request.signal }) });
    let run: WorkloadRun;
    try {
      run = await runWorkload();
    } finally {
      // The next condition must start from the original values; a key that could not be restored
      // (yielded to someone who changed it, or a failed write) would contaminate every later run.
      const undo = await tuning.rollback({ planId: applied.planId });
      const left = undo.keys.filter((k) => k.state !== 'rolled_back');
      if (left.length) {
        throw new SchedcpError('precondition_failed', `Evaluation stopped after condition ${JSON.stringify(c.condition)}: plan ${applied.planId} could not be fully rolled back (${left.map((k) => `${k.key} ${k.state}${k.detail ? `: ${k.detail}` : ''}`).join('; ')}), so later conditions would not start from the original values.`);
      }
    }
    measured.push(samplesOf(c.condition, run));
    runs.push({ condition: c.condition, runId: run.id, planId: applied.planId });
    step(c.condition);
  }
  const directions: Record<string, Direction> = { duration_ms: 'lower_is_better', [baselineRun.primaryMetric]: baselineRun.direction };
  const rows = evalRows(baseline, measured, directions);
  mkdirSync(request.outDir, { recursive: true });
  const files: string[] = [];
  const write = (name: string, text: string) => { const path = join(request.outDir, name); writeFileSync(path, text); files.push(path); };
  write('eval.csv', toCsv(rows));
  const metric = baselineRun.primaryMetric in baseline.samples ? baselineRun.primaryMetric : 'duration_ms';
  const planRows = rows.filter((r) => !r.condition.startsWith('only ') && !r.condition.includes('='));
  if (request.changes.length) write('plan.svg', changeChartSvg(planRows, metric, `${request.workload}: plan`));
  if (request.ablation) write('ablation.svg', changeChartSvg(rows.filter((r) => r.condition === 'plan' || r.condition.startsWith('only ')), metric, `${request.workload}: ablation (each change alone)`));
  let curve: CurvePoint[] | undefined;
  if (request.sweep) {
    const { key, xMetric, yMetric } = request.sweep;
    const med = (c: ConditionSamples, m: string) => rows.find((r) => r.condition === c.condition && r.metric === m)?.median;
    curve = [baseline, ...measured.filter((m) => m.condition.startsWith(`${key}=`))].flatMap((c) => {
      const x = med(c, xMetric);
      const y = med(c, yMetric);
      return x === undefined || y === undefined ? [] : [{ label: c.condition === 'baseline' ? 'current' : c.condition.slice(key.length + 1), x, y }];
    });
    if (curve.length === 0) throw new SchedcpError('invalid_argument', `The workload reported neither ${JSON.stringify(xMetric)} nor ${JSON.stringify(yMetric)}; its metrics are ${Object.keys(baseline.samples).join(', ')}.`);
    write('curve.svg', curveSvg(curve, { x: xMetric, y: yMetric, title: `${request.workload}: ${xMetric} vs ${yMetric} across ${key}` }));
  }
  return { workload: request.workload, primaryMetric: baselineRun.primaryMetric, rows, runs, ...(curve && { curve }), files };
}
