// Turns a request into a checked plan: reads the target's identity and current values, runs every
// guardrail, and computes what would be written. Nothing is written here.
import { existsSync } from 'node:fs';
import { cgroupDir, cgroupProcs, layoutOf, memoryUsage, processCgroup, readFiles, type ControllerLayout } from './cgroups.js';
import { checkCgroupPath, checkIoprio, checkKnobValue, checkNice, checkProcessTarget, checkRateLimit, checkTtl, type Limits, type Refusal } from './guardrails.js';
import { KNOB_CONTROLLER, knobFileValues, knobFiles, type Knob } from './knobs.js';
import { readIoprio, readNice, readProcess, rssBytes, selfAndAncestors, type ProcessInfo } from './procfs.js';
import type { ActionKind, ActionSpec, RemediationStore } from './store.js';
import type { UsageMetric } from './verify.js';

export type ProcessAction =
  | { kind: 'nice'; value: number }
  | { kind: 'ioprio'; class: 'best-effort' | 'idle' | 'realtime'; level?: number | undefined }
  | { kind: 'limit'; knob: Knob; value: number };

export interface Policy {
  limits: Limits;
  cgroupRoot: string;
  allowedCgroupRoots: readonly string[];
  allowedUids: readonly number[];
  allowAnyUser: boolean;
}

export interface Plan {
  kind: ActionKind;
  target: string;
  spec: ActionSpec;
  before: Record<string, string>;
  after: Record<string, string>;
  refusals: Refusal[];
  metric: UsageMetric;
  /** The processes whose use verification samples. */
  pids: () => number[];
  layout?: ControllerLayout | undefined;
  /** An open action on the same target and setting with the same value: applying again renews it. */
  renews?: number | undefined;
}

const METRIC: Record<string, UsageMetric> = { nice: 'cpu_pct', ioprio: 'io_bytes_per_s', cpu: 'cpu_pct', memory: 'memory_bytes', io: 'io_bytes_per_s' };

function sameSetting(store: RemediationStore, target: string, kind: ActionKind, slot: string, after: Record<string, string>, refusals: Refusal[]): number | undefined {
  for (const open of store.openOnTarget(target)) {
    const openSlot = open.spec.knob ?? open.kind;
    const conflicting = open.kind === kind && (openSlot === slot || (kind === 'process_limit' && (open.spec.controller === KNOB_CONTROLLER[slot as Knob] || open.spec.version === 2)));
    if (!conflicting) continue;
    if (openSlot === slot && JSON.stringify(open.after) === JSON.stringify(after) && open.state === 'active') return open.id;
    refusals.push({ rule: 'already_managed', message: `action ${open.id} (${open.kind}${open.spec.knob ? ` ${open.spec.knob}` : ''}, ${open.state}) already manages this on ${target}; repeat the same value to renew it, or revert it first.` });
  }
  return undefined;
}

export async function planProcessAction(store: RemediationStore, policy: Policy, request: { pid: number; expectStartTime?: number | undefined; action: ProcessAction; ttlSeconds: number }): Promise<Plan> {
  const { pid, action } = request;
  const info: ProcessInfo | undefined = readProcess(pid);
  const refusals = checkProcessTarget({ pid, info, expectStartTime: request.expectStartTime, protectedPids: selfAndAncestors(), serverUid: process.getuid?.() ?? 0, allowedUids: policy.allowedUids, allowAnyUser: policy.allowAnyUser });
  refusals.push(...checkTtl(request.ttlSeconds, policy.limits));
  const target = `pid:${pid}@${info?.startTime ?? 0}`;
  const spec: ActionSpec = { pid, ...(info && { startTime: info.startTime, comm: info.comm }) };
  const base = { target, spec, refusals, pids: () => [pid] };
  if (!info || refusals.some((r) => ['pid_1', 'pid_not_found', 'pid_reused'].includes(r.rule))) return { ...base, kind: action.kind === 'limit' ? 'process_limit' : action.kind, before: {}, after: {}, metric: 'cpu_pct' };
  refusals.push(...checkRateLimit(target, store.recentOnTarget(target, policy.limits.rateLimit.perSeconds), policy.limits));
  if (action.kind === 'nice') {
    const before = readNice(pid);
    refusals.push(...checkNice(Number(before[pid] ?? 0), action.value, policy.limits));
    const after = Object.fromEntries(Object.keys(before).map((tid) => [tid, String(action.value)]));
    const renews = sameSetting(store, target, 'nice', 'nice', after, refusals);
    return { ...base, kind: 'nice', spec: { ...spec, value: action.value }, before, after, metric: METRIC.nice!, renews };
  }
  if (action.kind === 'ioprio') {
    refusals.push(...checkIoprio(action.class, action.level));
    const before = await readIoprio(pid);
    const value = action.class === 'idle' ? 'idle' : `${action.class}:${action.level ?? 4}`;
    const after = Object.fromEntries(Object.keys(before).map((tid) => [tid, value]));
    const renews = sameSetting(store, target, 'ioprio', 'ioprio', after, refusals);
    return { ...base, kind: 'ioprio', spec: { ...spec, value }, before, after, metric: METRIC.ioprio!, renews };
  }
  const controller = KNOB_CONTROLLER[action.knob];
  const layout = layoutOf(controller);
  const plan: Plan = { ...base, kind: 'process_limit', before: {}, after: {}, metric: METRIC[controller]!, layout };
  if (!layout.version) { refusals.push({ rule: 'controller_missing', message: `${action.knob} needs the ${controller} controller: ${layout.detail}.` }); return plan; }
  const usage = controller === 'memory' ? rssBytes(pid) : undefined;
  refusals.push(...checkKnobValue(action.knob, action.value, { memoryUsageBytes: usage }, policy.limits));
  const originalPath = processCgroup(pid, layout);
  const files = knobFiles(action.knob, layout.version);
  const mountRootHas = layout.version === 1 ? files.every((f) => existsSync(cgroupDir(layout, `/${f}`))) : true;
  if (!mountRootHas) refusals.push({ rule: 'controller_missing', message: `${action.knob} maps to ${files.join(' + ')} on cgroup v1, and this kernel's ${layout.mount} has no such file${controller === 'io' ? ' (the v1 blkio weight comes with the BFQ I/O scheduler\'s cgroup support)' : ''}.` });
  const path = `${policy.cgroupRoot}/pid-${pid}-${info.startTime}`;
  const after = knobFileValues(action.knob, layout.version, action.value);
  const renews = sameSetting(store, target, 'process_limit', action.knob, after, refusals);
  return { ...plan, spec: { ...spec, controller, version: layout.version, path, knob: action.knob, value: action.value, ...(originalPath !== undefined && { originalPath }) }, after, renews, pids: () => [pid] };
}

export function planCgroupAction(store: RemediationStore, policy: Policy, request: { path: string; knob: Knob; value: number; ttlSeconds: number }): Plan {
  const controller = KNOB_CONTROLLER[request.knob];
  const layout = layoutOf(controller);
  const target = `${controller}:${request.path}`;
  const refusals = checkCgroupPath(request.path, [policy.cgroupRoot, ...policy.allowedCgroupRoots]);
  refusals.push(...checkTtl(request.ttlSeconds, policy.limits));
  const spec: ActionSpec = { controller, path: request.path, knob: request.knob, value: request.value, ...(layout.version && { version: layout.version }) };
  const plan: Plan = { kind: 'cgroup_knob', target, spec, before: {}, after: {}, refusals, metric: METRIC[controller]!, pids: () => [], layout };
  if (refusals.length) return plan;
  if (!layout.version) { refusals.push({ rule: 'controller_missing', message: `${request.knob} needs the ${controller} controller: ${layout.detail}.` }); return plan; }
  const dir = cgroupDir(layout, request.path);
  if (!existsSync(dir)) { refusals.push({ rule: 'cgroup_not_found', message: `cgroup ${target} does not exist (looked at ${dir}).` }); return plan; }
  const files = knobFiles(request.knob, layout.version);
  const before = readFiles(dir, files);
  if (!before) {
    refusals.push({ rule: 'controller_missing', message: `${request.knob} maps to ${files.join(' + ')} on cgroup v${layout.version}, and ${dir} has no such file (${layout.version === 2 ? `enable "${controller}" in the parent's cgroup.subtree_control` : controller === 'io' ? 'the v1 blkio weight comes with the BFQ I/O scheduler\'s cgroup support' : 'the kernel lacks this knob'}).` });
    return plan;
  }
  refusals.push(...checkRateLimit(target, store.recentOnTarget(target, policy.limits.rateLimit.perSeconds), policy.limits));
  refusals.push(...checkKnobValue(request.knob, request.value, { memoryUsageBytes: controller === 'memory' ? memoryUsage(layout, dir) : undefined }, policy.limits));
  const after = knobFileValues(request.knob, layout.version, request.value);
  const renews = sameSetting(store, target, 'cgroup_knob', request.knob, after, refusals);
  return { ...plan, before, after, renews, pids: () => cgroupProcs(dir) };
}
