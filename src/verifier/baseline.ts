// Choosing the performance stage's baseline for one VM run: a fresh stored one, or one measured in
// this VM (then stored for later runs when it is complete and the VM had the expected shape).
import { loadavg } from 'node:os';
import type { App } from '../app.js';
import { vmShape, type Kit, type VmRunResult, type VmSettings, type WorkloadResult, type WorkloadSpec } from '../vm/index.js';
import { BaselineStore, baselineKey, completeBaseline, freshBaselineInfo, storedBaseline, type BaselineInfo, type BaselineKeyParts } from './baseline-store.js';
import { verifierMigrations } from './store.js';
import type { Suite } from './vm-stages.js';

export interface BaselinePlan {
  key: { key: string; parts: BaselineKeyParts };
  maxAgeMinutes: number;
  /** Set when a fresh stored baseline is used: the VM then runs no default-scheduler pass. */
  stored?: { workloads: WorkloadResult[]; info: BaselineInfo };
  startedAt: string;
  loadavgAtStart: number;
}

export async function planBaseline(app: App, kit: Kit, suite: Suite, vm: Partial<VmSettings>, mode: 'reuse' | 'fresh'): Promise<BaselinePlan> {
  const key = baselineKey(kit.manifest.inputsHash, suite, await vmShape(kit, vm));
  const maxAgeMinutes = suite.performance.baselineMaxAgeMinutes;
  const stored = mode === 'reuse' ? storedBaseline(BaselineStore.of(app, verifierMigrations), key, maxAgeMinutes) : undefined;
  return { key, maxAgeMinutes, ...(stored && { stored }), startedAt: new Date().toISOString(), loadavgAtStart: +loadavg()[0]!.toFixed(2) };
}

/** The baseline the performance stage compares against, and what it cost this run. */
export function settleBaseline(app: App, plan: BaselinePlan, vm: VmRunResult, workloads: readonly WorkloadSpec[]): { workloads: WorkloadResult[]; info: BaselineInfo; runMs: number } {
  if (plan.stored) return { ...plan.stored, runMs: 0 };
  const measured = vm.baseline ?? [];
  const info = freshBaselineInfo(plan.key, plan.startedAt, plan.loadavgAtStart, plan.maxAgeMinutes);
  // Keep it only if it is whole and the guest really had the shape the key promises.
  if (completeBaseline(vm.baseline, workloads) && vm.accel === plan.key.parts.accel && vm.guestCpus === plan.key.parts.cpus) {
    BaselineStore.of(app, verifierMigrations).put(plan.key.key, plan.key.parts, measured, plan.startedAt, plan.loadavgAtStart);
  }
  return { workloads: measured, info, runMs: measured.reduce((a, w) => a + w.wallMs, 0) };
}
