// The workload analysis engine: layered summaries, semantic signals (with history), the eBPF probe
// library, sandboxed perf/strace and the workload feedback channel. Other components use the
// functions exported here (see the cross-component contract in docs/analysis.md).
import type { App } from '../app.js';
import { analysisMigrations } from './migrations.js';
import { SummaryService, type SummaryRequest, type SummaryResult } from './summary/service.js';
import { signalHistory, storeSignals } from './signals/store.js';
import type { Signal, SignalName } from './signals/classify.js';

export type { Signal, SignalName, Severity } from './signals/classify.js';
export { SIGNAL_NAMES } from './signals/classify.js';
export type { SummaryRequest, SummaryResult } from './summary/service.js';

export class Analysis {
  readonly summaries = new SummaryService();
  constructor(readonly app: App) {}
}

export function analysisOf(app: App): Analysis {
  return app.component('analysis', (a) => new Analysis(a), analysisMigrations);
}

export function systemSummary(app: App, request: SummaryRequest): Promise<SummaryResult> {
  return analysisOf(app).summaries.summary(request);
}

/** Classify the machine now (over windowMs, default 1 s) and store the result for history. */
export async function currentSignals(app: App, options: { windowMs?: number; signal?: AbortSignal } = {}): Promise<Signal[]> {
  const analysis = analysisOf(app);
  const signals = await analysis.summaries.signals(options.windowMs ?? 1000, options.signal);
  storeSignals(app.db, signals);
  return signals;
}

export function signalsSince(app: App, options: { sinceIso: string; names?: readonly SignalName[]; limit?: number }) {
  analysisOf(app);
  return signalHistory(app.db, options.sinceIso, options.names, options.limit);
}
