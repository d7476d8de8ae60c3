// The feedback channel the SLO guard and the eval harness use: run a workload, compare a run with
// a baseline run. The default implementation is the analysis component (runWorkload,
// saveBaseline, compareToBaseline, currentSignals); tests can pass another implementation.
import type { App } from '../app.js';
import { compareToBaseline, currentSignals, runWorkload, saveBaseline } from '../analysis/index.js';
import type { Comparison, Summary } from '../stats/index.js';
import type { Signal } from '../analysis/signals/classify.js';

export interface WorkloadRun {
  id: number;
  workload: string;
  startedAt: string;
  trials: Array<{ durationMs: number; metrics: Record<string, number> }>;
  summary: Record<string, Summary>;
  primaryMetric: string;
  direction: 'lower_is_better' | 'higher_is_better';
}

export interface RunRequest {
  workload: string;
  trials: number;
  params?: Record<string, string | number>;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
}

export interface Feedback {
  runWorkload(request: RunRequest): Promise<WorkloadRun>;
  /** Compares `candidate` against `baseline` on the workload's primary metric. */
  compare(baseline: WorkloadRun, candidate: WorkloadRun): Promise<{ comparison: Comparison; metric: string }>;
  currentSignals(windowMs?: number): Promise<Signal[]>;
}

export function analysisFeedback(app: App): Feedback {
  return {
    runWorkload: (request) => runWorkload(app, request),
    async compare(baseline, candidate) {
      const name = `tuning-baseline-run-${baseline.id}`;
      // Each guard stage compares against the same baseline run, so re-saving it must be allowed.
      saveBaseline(app, name, baseline.id, { replace: true });
      const result = compareToBaseline(app, { baseline: name, runId: candidate.id });
      return { comparison: result.comparison, metric: result.metric };
    },
    currentSignals: (windowMs) => currentSignals(app, windowMs === undefined ? {} : { windowMs }),
  };
}
