// The feedback channel the SLO guard and the eval harness use: run a workload, compare a run with
// a baseline run. The default implementation is the analysis component (runWorkload,
// saveBaseline, compareToBaseline, currentSignals); it is loaded lazily so the tuning component
// works for advise/stage/live-without-guard even where analysis is unavailable.
import type { App } from '../app.js';
import { SchedcpError } from '../errors.js';
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

interface AnalysisModule {
  runWorkload(app: App, request: RunRequest): Promise<WorkloadRun>;
  saveBaseline(app: App, name: string, runId: number, options?: { replace?: boolean }): unknown;
  compareToBaseline(app: App, options: { baseline: string; runId: number }): Promise<{ comparison: Comparison; metric: string }> | { comparison: Comparison; metric: string };
  currentSignals(app: App, options: { windowMs?: number }): Promise<Signal[]>;
}

async function loadAnalysis(): Promise<AnalysisModule> {
  // A computed specifier keeps the build independent of whether src/analysis has landed yet.
  const specifier = '../analysis/index.js';
  try {
    return (await import(specifier)) as AnalysisModule;
  } catch (error) {
    throw new SchedcpError('unsupported', `The analysis component (runWorkload/compareToBaseline/currentSignals) is not available in this build: ${(error as Error).message}`, { cause: error });
  }
}

export function analysisFeedback(app: App): Feedback {
  return {
    async runWorkload(request) {
      return (await loadAnalysis()).runWorkload(app, request);
    },
    async compare(baseline, candidate) {
      const analysis = await loadAnalysis();
      const name = `tuning-baseline-run-${baseline.id}`;
      // Each guard stage compares against the same baseline run, so re-saving it must be allowed.
      await analysis.saveBaseline(app, name, baseline.id, { replace: true });
      const result = await analysis.compareToBaseline(app, { baseline: name, runId: candidate.id });
      return { comparison: result.comparison, metric: result.metric };
    },
    async currentSignals(windowMs) {
      return (await loadAnalysis()).currentSignals(app, windowMs === undefined ? {} : { windowMs });
    },
  };
}
