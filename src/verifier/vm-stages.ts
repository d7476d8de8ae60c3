// Pure interpretation of a micro-VM run into the kernel-verifier, dynamic and performance stages.
// Every verdict carries the evidence it was reached from.
import { compareSamples, summarize, type Comparison, type Direction, type Summary } from '../stats/index.js';
import type { PolicyRunResult, ProgramVerifierStats, VmRunResult, WorkloadResult, WorkloadSpec } from '../vm/index.js';
import { describeBaseline, type BaselineInfo } from './baseline-store.js';
import { describeLatency, judgeLatency, type LatencyJudgement, type LatencyRule } from './latency.js';
import type { DeployMode } from './token.js';
import type { StageResult } from './types.js';

export interface Suite {
  watchdogTimeoutMs: number;
  correctness: Array<WorkloadSpec & { name: string }>;
  performance: { trials: number; minRegressionPct: number; baselineMaxAgeMinutes: number; workloads: Array<{ workload: string; metric: string; direction: Direction; gateUnderTcg: boolean }>; latency: LatencyRule[] };
}

const INSN_LIMIT = 1_000_000;
const TRIAL_SUFFIX = /\.t(\d+)$/;

/** The VM workload list: correctness workloads once, performance workloads once per trial (name.tN). */
export function planWorkloads(suite: Suite, withPerf: boolean): WorkloadSpec[] {
  const plan: WorkloadSpec[] = [];
  const perfNames = new Set(withPerf ? [...suite.performance.workloads, ...suite.performance.latency].map((w) => w.workload) : []);
  const trials = withPerf ? suite.performance.trials : 1;
  for (let t = 1; t <= trials; t++) {
    for (const w of suite.correctness) {
      if (t === 1 || perfNames.has(w.name)) plan.push({ ...w, name: perfNames.has(w.name) ? `${w.name}.t${t}` : w.name });
    }
  }
  return plan;
}

export const baseName = (name: string) => name.replace(TRIAL_SUFFIX, '');
/** Trial number of a planned workload name (0 for correctness-only workloads). */
export const trialOf = (name: string) => Number(TRIAL_SUFFIX.exec(name)?.[1] ?? 0);

function programStats(p: ProgramVerifierStats) {
  return {
    name: p.name, section: p.section, insns: p.insns, loaded: p.loaded, processedInsns: p.processedInsns,
    insnLimit: p.insnLimit ?? INSN_LIMIT, limitUsedPct: p.processedInsns !== undefined ? +(100 * p.processedInsns / (p.insnLimit ?? INSN_LIMIT)).toFixed(3) : undefined,
    totalStates: p.totalStates, peakStates: p.peakStates, maxStatesPerInsn: p.maxStatesPerInsn,
    stackDepth: p.stackDepth, verificationTimeUs: p.verificationTimeUs,
  };
}

// Bookkeeping the verifier prints after the error (stats, state dumps of a detected loop).
const NOISE = /^(processed \d+ insns|verification time|stack depth|-- END|libbpf:|cur state:|old state:|\s*$)/;

/** The kernel's own error line and the source lines (";" comments with BTF line info) before it. */
export function explainVerifierLog(log: string): { error: string; sourceLines: string[]; tail: string } {
  const lines = log.split('\n');
  const error = [...lines].reverse().find((l) => !NOISE.test(l))?.trim() ?? 'no verifier log';
  const sourceLines = lines.filter((l) => /^;/.test(l)).slice(-5).map((l) => l.replace(/^;\s*/, '').trim());
  return { error, sourceLines, tail: lines.slice(-40).join('\n') };
}

export function kernelVerifierStage(run: PolicyRunResult | undefined, vm: VmRunResult): StageResult {
  const durationMs = run?.load?.durationMs ?? 0;
  if (!run?.load) {
    return { stage: 'kernel_verifier', verdict: 'fail', failureClass: 'infrastructure', durationMs, summary: 'the policy was never loaded in the VM', reason: `The VM run ended before the policy was loaded: ${vm.message}`, evidence: { vmStatus: vm.status, console: vm.console.slice(-20) } };
  }
  const load = run.load;
  const programs = load.programs.map(programStats);
  if (load.ok) {
    const worst = programs.reduce((a, p) => Math.max(a, p.limitUsedPct ?? 0), 0);
    const verdict = worst > 50 ? 'warn' : 'pass';
    return {
      stage: 'kernel_verifier', verdict, durationMs,
      summary: `${programs.length} programs accepted by the ${vm.kernelRelease ?? 'kit'} kernel verifier; max ${worst.toFixed(2)}% of the 1M-insn limit`,
      ...(verdict === 'warn' ? { reason: `a program uses ${worst.toFixed(1)}% of the verifier's instruction budget; small changes may push it over` } : {}),
      evidence: { programs, opsName: load.opsName, timeoutMs: load.timeoutMs, libbpfLog: load.libbpfLog },
    };
  }
  const explained = explainVerifierLog(load.verifierLog ?? load.libbpfLog ?? load.error ?? '');
  const where = explained.sourceLines.length > 0 ? ` at \`${explained.sourceLines[explained.sourceLines.length - 1]}\`` : '';
  const what = load.failure === 'verifier_rejected'
    ? `kernel verifier rejected ${load.failedProgram ?? 'a program'}: ${explained.error}${where}`
    : `load failed (${load.failure ?? 'unknown'}): ${load.error ?? explained.error}`;
  return {
    stage: 'kernel_verifier', verdict: 'fail', failureClass: 'kernel_verifier_rejected', durationMs, summary: what, reason: what,
    evidence: { failure: load.failure, failedProgram: load.failedProgram, errno: load.errno, error: load.error, programs, sourceLines: explained.sourceLines, verifierLogTail: explained.tail, verifierLogTruncated: load.verifierLogTruncated, libbpfLog: load.libbpfLog },
  };
}

function workloadEvidence(w: WorkloadResult, failed: boolean) {
  return { name: w.name, exitCode: w.exitCode, signal: w.signal, timedOut: w.timedOut, wallMs: w.wallMs, userMs: w.userMs, sysMs: w.sysMs, schedulerEnabledAfter: w.schedulerEnabledAfter, metrics: w.metrics, ...(failed ? { output: w.output.slice(-1500) } : {}) };
}

export function dynamicStage(run: PolicyRunResult, vm: VmRunResult, planned: readonly WorkloadSpec[]): StageResult {
  // The correctness pass only (trial 1 doubles as the first performance trial; later trials are the performance stage's).
  const durationMs = (run.attach?.durationMs ?? 0) + run.workloads.filter((w) => trialOf(w.name) <= 1).reduce((a, w) => a + w.wallMs, 0);
  const dmesg = run.dmesg.filter((l) => /sched_ext|scx|stall|BUG|WARNING|watchdog/i.test(l)).slice(-30);
  const failures: string[] = [];
  if (!run.attach) failures.push(`the policy was never attached: the guest loader stopped after loading it${run.loaderExitStatus !== undefined ? ` (exit status ${run.loaderExitStatus})` : ''}`);
  else if (!run.attach.ok) failures.push(`attach failed: ${run.attach.error ?? 'unknown error'} (ops.init or the kernel refused the scheduler)`);
  else if (run.loaderExitStatus !== undefined && run.loaderExitStatus !== 0) failures.push(`the guest loader exited with status ${run.loaderExitStatus} after attaching the policy`);
  if (run.eject) {
    const e = run.eject;
    const kind = e.kindName ?? String(e.kind ?? 'unknown');
    const detail = [e.reason, e.message].filter(Boolean).join(': ');
    const label = kind === 'ERROR_STALL' ? 'task stall: the watchdog ejected the scheduler' : kind === 'ERROR_BPF' ? 'the policy called scx_bpf_error() and was ejected' : `the kernel ejected the scheduler (${kind})`;
    failures.push(`${label}${e.duringWorkload ? ` during ${e.duringWorkload}` : ' before the workloads started'}${detail ? `: ${detail}` : ''} (seen by the loader ${Math.round(e.afterMs)} ms after attach)`);
  }
  for (const w of run.workloads) {
    if (w.timedOut) failures.push(`workload ${w.name} did not finish within its bound`);
    else if (w.exitCode !== 0) failures.push(`workload ${w.name} exited with ${w.exitCode ?? `signal ${w.signal}`}`);
    else if (!w.schedulerEnabledAfter && !run.eject) failures.push(`the scheduler was no longer attached after ${w.name}`);
  }
  const ran = new Set(run.workloads.map((w) => w.name));
  const missing = planned.map((w) => w.name!).filter((n) => !ran.has(n));
  if (vm.status !== 'completed' && run.outcome === 'incomplete') {
    failures.push(vm.status === 'hang' ? `the VM stopped responding while the policy was attached (killed at the timeout)${vm.panic ? `: ${vm.panic}` : ''}` : `the guest kernel crashed while the policy was attached${vm.panic ? `: ${vm.panic}` : ''}`);
  }
  if (missing.length > 0 && failures.length === 0) failures.push(`workloads ${missing.join(', ')} never ran`);
  const evidence = {
    attach: run.attach ? { ok: run.attach.ok, error: run.attach.error, durationMs: run.attach.durationMs, sched_ext: run.attach.sched_ext } : undefined,
    watchdogTimeoutMs: run.load?.timeoutMs, eject: run.eject, detach: run.detach, outcome: run.outcome,
    workloads: run.workloads.map((w) => workloadEvidence(w, w.timedOut || w.exitCode !== 0)), missing, dmesg,
  };
  if (failures.length > 0) {
    return { stage: 'dynamic', verdict: 'fail', failureClass: 'dynamic_failure', durationMs, summary: failures[0]!, reason: failures.join('; '), evidence };
  }
  return { stage: 'dynamic', verdict: 'pass', durationMs, summary: `stayed attached through ${run.workloads.length} workloads with a ${run.load?.timeoutMs ?? '?'} ms watchdog; no stall, no scx_bpf_error`, evidence };
}

export interface PerfComparison { workload: string; metric: string; direction: Direction; baseline: Summary; candidate: Summary; comparison: Comparison; spreadPct: number; thresholdPct: number; regression: boolean; /** Whether a regression here fails the stage (else it is advisory). */ gating: boolean }

/** Derived metrics: cpuParallelism = guest CPU time / wall time, i.e. how many CPUs the workload kept busy.
 * The guest measures it itself, so host contention on the emulator threads barely moves it. */
function sample(w: WorkloadResult, metric: string): number | undefined {
  const v = metric === 'wallMs' ? w.wallMs : metric === 'cpuParallelism' ? (w.wallMs > 0 ? (w.userMs + w.sysMs) / w.wallMs : undefined) : w.metrics[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** baselineRunMs: time spent on default-scheduler runs for this verification (0 for a stored baseline); baselineInfo: where the baseline came from. */
export function performanceStage(run: PolicyRunResult, baseline: readonly WorkloadResult[], suite: Suite, accel: string, extra: { baselineRunMs?: number; baselineInfo?: BaselineInfo } = {}): StageResult {
  const baselineRunMs = extra.baselineRunMs ?? baseline.reduce((a, w) => a + w.wallMs, 0);
  const comparisons: PerfComparison[] = [];
  const notes: string[] = [];
  for (const spec of suite.performance.workloads) {
    const pick = (list: readonly WorkloadResult[]) => list.filter((w) => baseName(w.name) === spec.workload && !w.timedOut && w.exitCode === 0).map((w) => sample(w, spec.metric)).filter((v): v is number => v !== undefined);
    const b = pick(baseline);
    const c = pick(run.workloads);
    if (b.length === 0 || c.length === 0) { notes.push(`${spec.workload}: no ${spec.metric} samples (baseline ${b.length}, policy ${c.length})`); continue; }
    const comparison = compareSamples(b, c, { direction: spec.direction, minEffectPct: 1 });
    const bs = summarize(b);
    const cs = summarize(c);
    const spreadPct = 100 * Math.max(bs.spread, cs.spread);
    const thresholdPct = Math.max(suite.performance.minRegressionPct, spreadPct);
    const worsePct = spec.direction === 'lower_is_better' ? comparison.changePct : -comparison.changePct;
    comparisons.push({ workload: spec.workload, metric: spec.metric, direction: spec.direction, baseline: bs, candidate: cs, comparison, spreadPct, thresholdPct, regression: comparison.verdict === 'worse' && worsePct > thresholdPct, gating: accel !== 'tcg' || spec.gateUnderTcg });
  }
  const latency: LatencyJudgement[] = [];
  for (const rule of suite.performance.latency) {
    const judged = judgeLatency(rule, baseline, run.workloads);
    if (judged) latency.push(judged); else notes.push(`${rule.workload}: no ${rule.metric} samples for the wakeup-latency check`);
  }
  const latencyFail = latency.filter((l) => l.verdict === 'fail');
  const latencyWarn = latency.filter((l) => l.verdict === 'warn');
  // Trials after the first (which the dynamic stage counts) plus the default-scheduler runs made for this verification.
  const durationMs = run.workloads.filter((w) => trialOf(w.name) > 1).reduce((a, w) => a + w.wallMs, 0) + baselineRunMs;
  const caveat = accel === 'tcg' ? 'emulated (TCG) timings: this judges gross regressions, not fine performance' : 'micro-VM timings: this judges gross regressions, not fine performance';
  const regressions = comparisons.filter((c) => c.regression && c.gating);
  // Under TCG, cross-CPU wakeups (emulated IPIs, host thread wake-ups) dominate wall times of
  // wakeup-heavy workloads: those regressions are reported but only guest-measured metrics gate.
  const advisory = comparisons.filter((c) => c.regression && !c.gating);
  const fmt = (c: PerfComparison) => `${c.workload} ${c.metric} ${c.comparison.changePct >= 0 ? '+' : ''}${c.comparison.changePct.toFixed(1)}% (ratio ${c.comparison.ratio.toFixed(2)}, spread ${c.spreadPct.toFixed(1)}%, threshold ${c.thresholdPct.toFixed(0)}%)`;
  const evidence = { trials: suite.performance.trials, caveat, comparisons, latency, notes, ...(extra.baselineInfo && { baseline: extra.baselineInfo }) };
  const origin = extra.baselineInfo ? `; ${describeBaseline(extra.baselineInfo)}` : '';
  if (comparisons.length === 0 && latency.length === 0) {
    return { stage: 'performance', verdict: 'warn', durationMs, summary: 'no comparable samples; performance not judged', reason: notes.join('; '), evidence };
  }
  // Wakeup latency is measured by the guest itself and judged on gross ratios only, so it gates under TCG too.
  if (regressions.length > 0 || latencyFail.length > 0) {
    const reason = `gross regression against the default scheduler: ${[...latencyFail.map(describeLatency), ...regressions.map(fmt)].join('; ')}`;
    return { stage: 'performance', verdict: 'fail', failureClass: 'perf_regression', durationMs, summary: `${reason}${origin}`, reason: `${reason} (${caveat}${origin})`, evidence };
  }
  const worse = comparisons.filter((c) => c.comparison.verdict === 'worse');
  const why = [
    ...latencyWarn.map((l) => `higher ${describeLatency(l)}`),
    ...(advisory.length > 0 ? [`slower beyond the threshold on emulated wall time (advisory under TCG, not gating): ${advisory.map(fmt).join('; ')}`] : []),
    ...(worse.length > advisory.length ? [`slower within the regression threshold: ${worse.filter((c) => !advisory.includes(c)).map(fmt).join('; ')}`] : []),
  ];
  return {
    stage: 'performance', verdict: worse.length > 0 || latencyWarn.length > 0 ? 'warn' : 'pass', durationMs,
    summary: `${[...comparisons.map(fmt), ...latency.map((l) => `${l.workload} ${l.metric} ratio ${l.ratio.toFixed(2)}`)].join('; ')}; ${caveat}${origin}`,
    ...(why.length > 0 ? { reason: why.join('; ') } : {}),
    evidence,
  };
}

/** Deploy modes a token may allow: 'full' only when the performance stage compared every suite workload with the baseline. */
export function deployModesFor(performance: StageResult | undefined): DeployMode[] {
  const e = performance?.evidence as { comparisons?: unknown[]; notes?: string[] } | undefined;
  return e?.comparisons?.length && e.notes?.length === 0 ? ['canary', 'full'] : ['canary'];
}
