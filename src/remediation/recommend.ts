// Observes the host for the process-action rules (top CPU task, top writer, fastest-growing memory
// cgroup over a short window) and runs every proposal through the remediation guardrails in
// advise mode, so what is proposed is what adjust_process / adjust_cgroup would accept.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { recommendProcessActions, type ProcessActionProposal, type ProcessObservations } from '../tuning/recommender.js';
import type { Signal } from '../analysis/signals/classify.js';
import { layoutOf, memoryUsage } from './cgroups.js';
import { refusalText } from './guardrails.js';
import { planCgroupAction, planProcessAction, type Policy, type ProcessAction } from './plan.js';
import { parseStat, selfAndAncestors } from './procfs.js';
import type { RemediationStore } from './store.js';

interface Sample { comm: string; startTime: number; nice: number; ticks: number; written: number; kernel: boolean }

function sampleProcesses(): Map<number, Sample> {
  const out = new Map<number, Sample>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const s = parseStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
      let written = 0;
      try { written = Number(/^write_bytes:\s+(\d+)/m.exec(readFileSync(`/proc/${name}/io`, 'utf8'))?.[1] ?? 0); } catch { /* not ours to read */ }
      out.set(Number(name), { comm: s.comm, startTime: s.startTime, nice: s.nice, ticks: s.cpuTicks, written, kernel: s.kernelThread });
    } catch { /* exited */ }
  }
  return out;
}

function memoryCgroups(mount: string, depth = 3): string[] {
  const out: string[] = [];
  const walk = (rel: string, level: number) => {
    if (level > depth) return;
    let entries: string[] = [];
    try { entries = readdirSync(join(mount, rel), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name); } catch { return; }
    for (const e of entries) { out.push(`${rel}/${e}`); walk(`${rel}/${e}`, level + 1); }
  };
  walk('', 1);
  return out;
}

export async function observe(windowMs: number, signal?: AbortSignal): Promise<ProcessObservations> {
  const skip = selfAndAncestors();
  const memory = layoutOf('memory');
  const cgroups = memory.mount ? memoryCgroups(memory.mount) : [];
  const usage = () => new Map(cgroups.map((c) => [c, memoryUsage(memory, join(memory.mount!, c)) ?? 0]));
  const p0 = sampleProcesses();
  const m0 = usage();
  const t0 = performance.now();
  await sleep(windowMs, undefined, signal ? { signal } : undefined);
  const p1 = sampleProcesses();
  const m1 = usage();
  const seconds = (performance.now() - t0) / 1000;
  let topCpu: ProcessObservations['topCpu'];
  let topWriter: ProcessObservations['topWriter'];
  for (const [pid, b] of p1) {
    const a = p0.get(pid);
    if (!a || a.startTime !== b.startTime || b.kernel || pid === 1 || skip.has(pid)) continue;
    const cpuPct = ((b.ticks - a.ticks) / 100 / seconds) * 100;
    const writeBytesPerS = (b.written - a.written) / seconds;
    if (cpuPct > 0 && cpuPct > (topCpu?.cpuPct ?? 0)) topCpu = { pid, comm: b.comm, startTime: b.startTime, nice: b.nice, cpuPct };
    if (writeBytesPerS > 0 && writeBytesPerS > (topWriter?.writeBytesPerS ?? 0)) topWriter = { pid, comm: b.comm, startTime: b.startTime, writeBytesPerS };
  }
  let growingCgroup: ProcessObservations['growingCgroup'];
  for (const [path, after] of m1) {
    const growth = (after - (m0.get(path) ?? after)) / seconds;
    if (growth > 0 && growth > (growingCgroup?.growthBytesPerS ?? 0)) growingCgroup = { path, usageBytes: after, growthBytesPerS: growth };
  }
  return { topCpu, topWriter, growingCgroup };
}

export interface ActionRecommendations { proposals: ProcessActionProposal[]; notes: string[]; observed: ProcessObservations }

/** Proposals the guardrails would accept now; refused ones become notes that quote the rule. */
export async function recommendActions(store: RemediationStore, policy: Policy, signals: readonly Signal[], observed: ProcessObservations, defaultTtl: number): Promise<ActionRecommendations> {
  const { proposals, notes } = recommendProcessActions(signals, observed, policy.limits);
  const accepted: ProcessActionProposal[] = [];
  for (const p of proposals) {
    const a = p.arguments;
    const plan = p.tool === 'adjust_process'
      ? await planProcessAction(store, policy, { pid: a.pid as number, expectStartTime: a.expectStartTime as number, action: a.action as ProcessAction, ttlSeconds: defaultTtl })
      : planCgroupAction(store, policy, { path: a.path as string, knob: a.knob as 'memory.high', value: a.value as number, ttlSeconds: defaultTtl });
    if (plan.refusals.length) notes.push(`${p.rule} dropped by the guardrails: ${refusalText(plan.refusals)}`);
    else accepted.push(p);
  }
  return { proposals: accepted, notes, observed };
}
