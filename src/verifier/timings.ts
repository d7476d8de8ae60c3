// Where a verification's time went, per stage, for the evidence and the benchmark (pure).
import type { PolicyRunResult, VmRunResult, WorkloadResult } from '../vm/index.js';
import type { StageResult, StaticStageResult } from './types.js';
import { baseName } from './vm-stages.js';

export interface StageTimings {
  totalMs: number;
  staticMs: number;
  sourceChecksMs?: number;
  compileMs?: number;
  inspectMs?: number;
  /** Locating the kit and preparing the VM run before qemu starts (host). */
  kitMs?: number;
  vm?: { queuedMs?: number; prepareMs?: number; bootMs?: number; guestBootMs?: number; runMs?: number; teardownMs?: number; wallMs: number };
  kernelVerifierMs?: number;
  attachMs?: number;
  dynamicMs?: number;
  performanceMs?: number;
  /** Default-scheduler runs in this VM (0 when a stored baseline was reused). */
  baselineMs?: number;
  /** Guest wall time per workload (summed over trials) under the policy and under the default scheduler. */
  workloadsMs?: Record<string, number>;
  baselineWorkloadsMs?: Record<string, number>;
}

const r1 = (v: number) => Math.round(v * 10) / 10;

function byWorkload(list: readonly WorkloadResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const w of list) out[baseName(w.name)] = r1((out[baseName(w.name)] ?? 0) + w.wallMs);
  return out;
}

export function stageTimings(input: {
  totalMs: number; static: StaticStageResult; stages: readonly StageResult[]; kitMs?: number;
  vm?: VmRunResult; run?: PolicyRunResult; baselineRan: boolean;
}): StageTimings {
  const t = input.static.timings;
  const stage = (name: string) => input.stages.find((s) => s.stage === name)?.durationMs;
  const vm = input.vm;
  const out: StageTimings = {
    totalMs: r1(input.totalMs), staticMs: r1(input.static.durationMs),
    ...(t.sourceChecksMs !== undefined && { sourceChecksMs: r1(t.sourceChecksMs) }),
    ...(t.compileMs !== undefined && { compileMs: r1(t.compileMs) }),
    ...(t.inspectMs !== undefined && { inspectMs: r1(t.inspectMs) }),
    ...(input.kitMs !== undefined && { kitMs: r1(input.kitMs) }),
  };
  if (vm) {
    out.vm = {
      ...(vm.timings && { queuedMs: vm.timings.queuedMs, prepareMs: vm.timings.prepareMs, ...(vm.timings.runMs !== undefined && { runMs: vm.timings.runMs }), ...(vm.timings.teardownMs !== undefined && { teardownMs: vm.timings.teardownMs }) }),
      ...(vm.bootMs !== undefined && { bootMs: vm.bootMs }), ...(vm.guestBootMs !== undefined && { guestBootMs: vm.guestBootMs }), wallMs: vm.wallMs,
    };
  }
  for (const [key, name] of [['kernelVerifierMs', 'kernel_verifier'], ['dynamicMs', 'dynamic'], ['performanceMs', 'performance']] as const) {
    const ms = stage(name);
    if (ms !== undefined) out[key] = r1(ms);
  }
  if (input.run?.attach) out.attachMs = r1(input.run.attach.durationMs);
  if (input.run) out.workloadsMs = byWorkload(input.run.workloads);
  if (vm && stage('performance') !== undefined) {
    const baseline = input.baselineRan ? vm.baseline ?? [] : [];
    out.baselineMs = r1(baseline.reduce((a, w) => a + w.wallMs, 0));
    if (baseline.length > 0) out.baselineWorkloadsMs = byWorkload(baseline);
  }
  return out;
}
