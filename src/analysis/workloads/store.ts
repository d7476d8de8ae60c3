// Workload runs and named baselines in SQLite, and the comparison of a run against a baseline with
// the shared bootstrap CI (src/stats compareSamples).
import type { Db } from '../../db/index.js';
import { SchedcpError, quote } from '../../errors.js';
import { compareSamples, summarize, type Comparison, type Direction, type Summary } from '../../stats/index.js';

export interface WorkloadTrial { durationMs: number; metrics: Record<string, number> }

export interface WorkloadRun {
  id: number;
  workload: string;
  params: Record<string, number>;
  startedAt: string;
  finishedAt: string;
  kernel: string;
  trials: WorkloadTrial[];
  summary: Record<string, Summary>;
  primaryMetric: string;
  direction: Direction;
}

interface RunRow { id: number; workload: string; params: string; started_at: string; finished_at: string; primary_metric: string; direction: string; trials: string; summary: string; kernel: string }

function fromRow(r: RunRow): WorkloadRun {
  return {
    id: r.id, workload: r.workload, params: JSON.parse(r.params) as Record<string, number>, startedAt: r.started_at, finishedAt: r.finished_at,
    kernel: r.kernel, trials: JSON.parse(r.trials) as WorkloadTrial[], summary: JSON.parse(r.summary) as Record<string, Summary>,
    primaryMetric: r.primary_metric, direction: r.direction as Direction,
  };
}

export function insertRun(db: Db, run: Omit<WorkloadRun, 'id'>): WorkloadRun {
  const info = db.prepare(`INSERT INTO workload_runs (workload, params, started_at, finished_at, primary_metric, direction, trials, summary, kernel)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(run.workload, JSON.stringify(run.params), run.startedAt, run.finishedAt, run.primaryMetric, run.direction,
    JSON.stringify(run.trials), JSON.stringify(run.summary), run.kernel);
  return { id: Number(info.lastInsertRowid), ...run };
}

/** duration_ms plus every parsed metric, each over the trials that reported it. */
export function summarizeTrials(trials: readonly WorkloadTrial[]): Record<string, Summary> {
  const summary: Record<string, Summary> = { duration_ms: summarize(trials.map((t) => t.durationMs)) };
  for (const metric of new Set(trials.flatMap((t) => Object.keys(t.metrics)))) {
    const values = trials.map((t) => t.metrics[metric]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (values.length) summary[metric] = summarize(values);
  }
  return summary;
}

/**
 * One new stored run holding the trials of several runs of the same workload, parameters and kernel,
 * in the order given: runs taken alternately with another arm (A B A B ...) are pooled per arm, so
 * background load that drifts during the session hits both arms alike.
 */
export function poolRuns(db: Db, runIds: readonly number[]): WorkloadRun {
  if (runIds.length < 2) throw new SchedcpError('invalid_argument', `Pooling needs at least 2 run ids, got ${quote(runIds)}.`);
  const runs = runIds.map((id) => getRun(db, id));
  const first = runs[0]!;
  const key = (r: WorkloadRun) => `${r.workload} ${JSON.stringify(r.params)} on ${r.kernel}`;
  const odd = runs.find((r) => key(r) !== key(first));
  if (odd) throw new SchedcpError('precondition_failed', `Run ${odd.id} (${key(odd)}) cannot be pooled with run ${first.id} (${key(first)}): workload, parameters and kernel must match.`);
  const trials = runs.flatMap((r) => r.trials);
  const times = runs.flatMap((r) => [r.startedAt, r.finishedAt]).sort();
  return insertRun(db, {
    workload: first.workload, params: first.params, startedAt: times[0]!, finishedAt: times.at(-1)!, kernel: first.kernel, trials,
    summary: summarizeTrials(trials), primaryMetric: first.primaryMetric, direction: first.direction,
  });
}

export function getRun(db: Db, id: number): WorkloadRun {
  const row = db.prepare('SELECT * FROM workload_runs WHERE id = ?').get(id) as RunRow | undefined;
  if (!row) throw new SchedcpError('not_found', `No workload run with id ${quote(id)}; run_workload returns the id of each run.`);
  return fromRow(row);
}

export function listRuns(db: Db, limit = 20): WorkloadRun[] {
  return (db.prepare('SELECT * FROM workload_runs ORDER BY id DESC LIMIT ?').all(limit) as RunRow[]).map(fromRow);
}

export const BASELINE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function saveBaseline(db: Db, name: string, runId: number, replace = false): { name: string; runId: number; workload: string } {
  if (!BASELINE_NAME.test(name)) throw new SchedcpError('invalid_argument', `Baseline name ${quote(name)} must be 1..64 characters of letters, digits, _ . -`);
  const run = getRun(db, runId);
  const existing = db.prepare('SELECT run_id FROM workload_baselines WHERE name = ?').get(name) as { run_id: number } | undefined;
  if (existing && !replace) throw new SchedcpError('already_exists', `Baseline ${quote(name)} already exists (run ${existing.run_id}); pass replace=true to point it at run ${runId}.`);
  db.prepare(`INSERT INTO workload_baselines (name, run_id) VALUES (?, ?)
    ON CONFLICT (name) DO UPDATE SET run_id = excluded.run_id, created_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`).run(name, runId);
  return { name, runId, workload: run.workload };
}

export function listBaselines(db: Db): Array<{ name: string; runId: number; workload: string; createdAt: string }> {
  return (db.prepare(`SELECT b.name, b.run_id AS runId, r.workload, b.created_at AS createdAt FROM workload_baselines b
    JOIN workload_runs r ON r.id = b.run_id ORDER BY b.name`).all() as Array<{ name: string; runId: number; workload: string; createdAt: string }>);
}

export interface BaselineComparison {
  baseline: string;
  baselineRunId: number;
  runId: number;
  workload: string;
  metric: string;
  direction: Direction;
  comparison: Comparison;
  /** The other metrics both runs have, compared the same way (direction: lower is better unless named *_per_s). */
  otherMetrics: Record<string, Comparison>;
  summary: string;
}

export function compareToBaseline(db: Db, baseline: string, runId: number, options: { minEffectPct?: number; confidence?: number } = {}): BaselineComparison {
  const row = db.prepare('SELECT run_id FROM workload_baselines WHERE name = ?').get(baseline) as { run_id: number } | undefined;
  if (!row) {
    const names = listBaselines(db).map((b) => b.name);
    throw new SchedcpError('not_found', `No baseline named ${quote(baseline)}. Saved baselines: ${names.length ? names.join(', ') : 'none (save one with compare_to_baseline save_as or `schedcp analyze baseline save`)'}.`);
  }
  const base = getRun(db, row.run_id);
  const cand = getRun(db, runId);
  if (base.workload !== cand.workload || JSON.stringify(base.params) !== JSON.stringify(cand.params)) {
    throw new SchedcpError('precondition_failed', `Run ${runId} (${cand.workload} ${JSON.stringify(cand.params)}) is not comparable with baseline ${quote(baseline)} (run ${base.id}: ${base.workload} ${JSON.stringify(base.params)}): workload and parameters must match.`);
  }
  const samples = (r: WorkloadRun, metric: string) => r.trials.map((t) => (metric === 'duration_ms' ? t.durationMs : t.metrics[metric])).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const opts = { minEffectPct: options.minEffectPct ?? 5, confidence: options.confidence ?? 0.95 };
  const comparison = compareSamples(samples(base, base.primaryMetric), samples(cand, base.primaryMetric), { direction: base.direction, ...opts });
  const otherMetrics: Record<string, Comparison> = {};
  for (const metric of Object.keys(cand.summary)) {
    if (metric === base.primaryMetric || !base.summary[metric]) continue;
    const b = samples(base, metric);
    const c = samples(cand, metric);
    if (b.length && c.length) otherMetrics[metric] = compareSamples(b, c, { direction: /per_s$/.test(metric) ? 'higher_is_better' : 'lower_is_better', ...opts });
  }
  const pct = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`;
  const summary = `${cand.workload} run ${runId} vs baseline ${baseline} (run ${base.id}): ${base.primaryMetric} ${pct(comparison.changePct)} `
    + `[${pct(comparison.ciLowPct)}, ${pct(comparison.ciHighPct)}] at ${comparison.confidence * 100}% confidence → ${comparison.verdict.replace('_', ' ')}`;
  return { baseline, baselineRunId: base.id, runId, workload: cand.workload, metric: base.primaryMetric, direction: base.direction, comparison, otherMetrics, summary };
}
