// The workload analysis engine: layered summaries, semantic signals (with history), the eBPF probe
// library, sandboxed perf/strace and the workload feedback channel. Other components use the
// functions exported here (cross-component contract: docs/analysis.md).
import type { App } from '../app.js';
import { SchedcpError } from '../errors.js';
import { addCapabilityContributor, classifyCapabilities, gatherHostFacts } from '../host/index.js';
import { ChildTracker } from './children.js';
import { analysisMigrations } from './migrations.js';
import { attachFeatureTest } from './probes/feature-test.js';
import { PROBES } from './probes/registry.js';
import { runProbeLoader, type ProbeRequest, type ProbeRunResult } from './probes/runner.js';
import { runPerf as runPerfSandboxed, runStrace as runStraceSandboxed } from './sandbox/run.js';
import type { PerfRequest } from './sandbox/perf.js';
import type { StraceRequest } from './sandbox/strace.js';
import type { Signal, SignalName } from './signals/classify.js';
import { signalHistory, storeSignals } from './signals/store.js';
import type { BackgroundSampler, SamplerStats } from './summary/background.js';
import { SummaryService, type SummaryRequest, type SummaryResult } from './summary/service.js';
import { findWorkload, listWorkloads, resolveParams } from './workloads/registry.js';
import { requireWorkloadBinary, runWorkloadTrials, type WorkloadRequest } from './workloads/runner.js';
import * as store from './workloads/store.js';

export type { Signal, SignalName, Severity } from './signals/classify.js';
export { SIGNAL_NAMES } from './signals/classify.js';
export type { SummaryRequest, SummaryResult } from './summary/service.js';
export type { SamplerStats } from './summary/background.js';
export type { ProbeRequest, ProbeRunResult } from './probes/runner.js';
export type { WorkloadRun, WorkloadTrial, BaselineComparison } from './workloads/store.js';
export type { PerfRequest } from './sandbox/perf.js';
export type { StraceRequest } from './sandbox/strace.js';

// host_capabilities reports tp_btf/fentry/kprobe from a real attach attempt, not config flags.
addCapabilityContributor(async () => {
  const attach = await attachFeatureTest();
  return attach ? { attach } : {};
});

export class Analysis {
  readonly summaries = new SummaryService();
  readonly children = new ChildTracker();
  private pmu: boolean | undefined;
  /** `at` of the last background window whose signals went to the history table (stored once). */
  storedWindowAt: string | undefined;
  constructor(readonly app: App) {
    app.onClose(() => this.children.closeAll());
    app.onClose(() => this.summaries.sampler.stop());
  }
  /** Whether perf may use hardware events: read once from the host facts (a PMU does not appear at run time). */
  get hasHardwarePmu(): boolean {
    this.pmu ??= classifyCapabilities(gatherHostFacts(), {}).some((c) => c.name === 'hardware_pmu' && c.available);
    return this.pmu;
  }
}

export function analysisOf(app: App): Analysis {
  return app.component('analysis', (a) => new Analysis(a), analysisMigrations);
}

export function systemSummary(app: App, request: SummaryRequest): Promise<SummaryResult> {
  return analysisOf(app).summaries.summary(request);
}

/** Start the background sampler (the server does, at start); stopped by app.close(). */
export function startBackgroundSampler(app: App): BackgroundSampler {
  const sampler = analysisOf(app).summaries.sampler;
  sampler.start();
  return sampler;
}

export function samplerStats(app: App): SamplerStats {
  return analysisOf(app).summaries.sampler.stats();
}

/**
 * Signals over the latest background window (or, with fresh / windowMs, over a new window; without
 * a running sampler over windowMs, default 1 s); each window's result is stored once for history.
 */
export async function currentSignals(app: App, options: { windowMs?: number; fresh?: boolean; signal?: AbortSignal } = {}): Promise<Signal[]> {
  const analysis = analysisOf(app);
  const { signals, window } = await analysis.summaries.signals(options);
  const at = signals[0]?.at;
  if (window.source !== 'background' || at !== analysis.storedWindowAt) storeSignals(app.db, signals);
  if (window.source === 'background') analysis.storedWindowAt = at;
  return signals;
}

/** History: stored samples plus the background sampler's recent windows (one sample per window and signal). */
export function signalsSince(app: App, options: { sinceIso: string; names?: readonly SignalName[]; limit?: number }) {
  const analysis = analysisOf(app);
  const recent = analysis.summaries.sampler.windows().filter((w) => w.at >= options.sinceIso).flatMap((w) => w.signals);
  return signalHistory(app.db, options.sinceIso, options.names, options.limit, recent);
}

export function listProbes() {
  return PROBES;
}

export function runProbe(app: App, request: ProbeRequest, options: { signal?: AbortSignal; onProgress?: (done: number, total: number, message: string) => void } = {}): Promise<ProbeRunResult> {
  const analysis = analysisOf(app);
  return analysis.children.track(options.signal, (signal) => runProbeLoader(request, {
    maxProbeSeconds: app.config.analysis.maxProbeSeconds, signal, ...(options.onProgress && { onProgress: options.onProgress }),
  }));
}

export async function perfProfile(app: App, request: PerfRequest, options: { signal?: AbortSignal; raw?: boolean; allowPid1?: boolean } = {}) {
  const analysis = analysisOf(app);
  return analysis.children.track(options.signal, (signal) => runPerfSandboxed(request, {
    signal, raw: options.raw ?? false, hasHardwarePmu: analysis.hasHardwarePmu, maxSeconds: app.config.analysis.maxProbeSeconds, allowPid1: options.allowPid1 ?? false,
  }));
}

export async function straceProfile(app: App, request: Omit<StraceRequest, 'command'> & { workload?: string }, options: { signal?: AbortSignal; raw?: boolean; allowPid1?: boolean } = {}) {
  const analysis = analysisOf(app);
  const { workload, ...rest } = request;
  const req: StraceRequest = { ...rest };
  if (workload !== undefined) {
    const spec = findWorkload(workload, app.config.analysis.workloadCommands);
    if (spec.prepare) throw new SchedcpError('unsupported', `Workload ${workload} needs a prepared build tree and cannot run under strace; pick another workload or attach to a pid.`);
    requireWorkloadBinary(spec);
    const cmd = spec.command(resolveParams(spec), '/tmp');
    req.command = [cmd.file, ...cmd.args];
  }
  return analysis.children.track(options.signal, (signal) => runStraceSandboxed(req, {
    signal, raw: options.raw ?? false, hasHardwarePmu: false, maxSeconds: app.config.analysis.maxProbeSeconds, allowPid1: options.allowPid1 ?? false,
  }));
}

export function workloadCatalog(app: App) {
  return listWorkloads(app.config.analysis.workloadCommands);
}

/** Run a named workload for N trials; stored, so it can be saved as a baseline or compared. */
export function runWorkload(app: App, request: WorkloadRequest): Promise<store.WorkloadRun> {
  const analysis = analysisOf(app);
  return analysis.children.track(request.signal, (signal) => runWorkloadTrials(app.db, app.config.analysis.workloadCommands, { ...request, signal }));
}

export function getWorkloadRun(app: App, runId: number): store.WorkloadRun {
  analysisOf(app);
  return store.getRun(app.db, runId);
}

export function saveBaseline(app: App, name: string, runId: number, options: { replace?: boolean } = {}) {
  analysisOf(app);
  return store.saveBaseline(app.db, name, runId, options.replace ?? false);
}

export function listBaselines(app: App) {
  analysisOf(app);
  return store.listBaselines(app.db);
}

export function compareToBaseline(app: App, options: { baseline: string; runId: number; minEffectPct?: number; confidence?: number }): store.BaselineComparison {
  analysisOf(app);
  return store.compareToBaseline(app.db, options.baseline, options.runId, options);
}
