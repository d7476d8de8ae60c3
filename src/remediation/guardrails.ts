// Pure guardrails for process and cgroup actions. Each refusal names its rule, quotes the bad
// value and says what is allowed; the shell refuses the whole action when any rule fires.
import { quote } from '../errors.js';
import { KNOB_UNIT, type Knob } from './knobs.js';
import type { ProcessInfo } from './procfs.js';

export type RemediationRule =
  | 'pid_not_found' | 'pid_reused' | 'pid_1' | 'kernel_thread' | 'schedcp_itself' | 'other_user'
  | 'path_traversal' | 'path_invalid' | 'cgroup_not_found' | 'outside_allowed_roots' | 'controller_missing'
  | 'range' | 'step' | 'min_cpu_share' | 'memory_below_usage' | 'ioprio_class' | 'rate_limit' | 'already_managed' | 'ttl';

export interface Refusal { rule: RemediationRule; message: string }

export interface Limits {
  maxNiceStep: number;
  minCpuPercent: number;
  minCpuWeight: number;
  /** memory.high may not go below this fraction of current usage in one step. */
  minMemoryHighOfUsage: number;
  maxTtlSeconds: number;
  rateLimit: { actions: number; perSeconds: number };
}

export interface ProcessTargetInput {
  pid: number;
  info: ProcessInfo | undefined;
  /** The start time the caller saw (field 22 of /proc/<pid>/stat); a different one means the pid was reused. */
  expectStartTime?: number | undefined;
  /** The server and its ancestors. */
  protectedPids: ReadonlySet<number>;
  serverUid: number;
  allowedUids: readonly number[];
  allowAnyUser: boolean;
}

export function checkProcessTarget(input: ProcessTargetInput): Refusal[] {
  const { pid, info } = input;
  if (pid === 1) return [{ rule: 'pid_1', message: 'pid 1 (init) is never adjusted: slowing it stalls the whole system.' }];
  if (!info) return [{ rule: 'pid_not_found', message: `pid ${pid} does not exist (it may have exited); list processes with system_summary.` }];
  if (input.expectStartTime !== undefined && info.startTime !== input.expectStartTime) {
    return [{ rule: 'pid_reused', message: `pid ${pid} now belongs to another process (${info.comm}, start time ${info.startTime}, expected ${input.expectStartTime}); the process you meant has exited.` }];
  }
  const out: Refusal[] = [];
  if (info.kernelThread || info.ppid === 2 || pid === 2) out.push({ rule: 'kernel_thread', message: `pid ${pid} (${info.comm}) is a kernel thread; schedcp adjusts user processes only.` });
  if (input.protectedPids.has(pid)) out.push({ rule: 'schedcp_itself', message: `pid ${pid} (${info.comm}) is the schedcp server or one of its parents; it is never throttled.` });
  if (info.uid !== input.serverUid && !input.allowAnyUser && !input.allowedUids.includes(info.uid)) {
    out.push({ rule: 'other_user', message: `pid ${pid} (${info.comm}) belongs to uid ${info.uid}, not the server's uid ${input.serverUid}; allow it with config.remediation.allowedUids or allowAnyUser.` });
  }
  return out;
}

/** A cgroup path inside a controller's hierarchy ("/batch.slice/job"), checked against the allowed roots. */
export function checkCgroupPath(path: string, allowedRoots: readonly string[]): Refusal[] {
  const segments = path.split('/').slice(1);
  if (segments.some((s) => s === '..' || s === '.')) return [{ rule: 'path_traversal', message: `cgroup path ${quote(path)} contains "." or ".."; give a plain path below the hierarchy root.` }];
  if (!path.startsWith('/') || !/^\/[A-Za-z0-9_.:@-]+(\/[A-Za-z0-9_.:@-]+)*$/.test(path)) {
    return [{ rule: 'path_invalid', message: `cgroup path ${quote(path)} must start with "/" and use letters, digits and _ . : @ - between single slashes (the root itself cannot be adjusted).` }];
  }
  const inside = allowedRoots.some((root) => path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`));
  if (!inside) return [{ rule: 'outside_allowed_roots', message: `cgroup ${quote(path)} is outside the allowed roots (${allowedRoots.join(', ') || 'none'}); add its root to config.remediation.allowedCgroupRoots.` }];
  return [];
}

export function checkNice(from: number, to: number, limits: Limits): Refusal[] {
  if (!Number.isInteger(to) || to < 0 || to > 19) return [{ rule: 'range', message: `nice ${quote(to)} is out of range; allowed 0..19 (schedcp never gives a process a negative nice, i.e. more priority).` }];
  if (Math.abs(to - from) > limits.maxNiceStep) return [{ rule: 'step', message: `nice ${from} → ${to} moves ${Math.abs(to - from)} steps; at most ${limits.maxNiceStep} per action (allowed ${Math.max(0, from - limits.maxNiceStep)}..${Math.min(19, from + limits.maxNiceStep)}).` }];
  return [];
}

export function checkIoprio(cls: string, level: number | undefined): Refusal[] {
  if (cls === 'realtime') return [{ rule: 'ioprio_class', message: 'I/O class "realtime" is never set: it can starve every other process of I/O; use "best-effort" (levels 0-7) or "idle".' }];
  if (cls === 'best-effort' && (level === undefined || !Number.isInteger(level) || level < 0 || level > 7)) return [{ rule: 'range', message: `best-effort level ${quote(level)} is out of range; allowed 0 (highest) .. 7 (lowest).` }];
  if (cls !== 'best-effort' && cls !== 'idle') return [{ rule: 'ioprio_class', message: `I/O class ${quote(cls)} is unknown; allowed "best-effort" or "idle".` }];
  return [];
}

export interface KnobContext {
  /** Current memory use of the cgroup, bytes (for memory knobs). */
  memoryUsageBytes?: number | undefined;
}

export function checkKnobValue(knob: Knob, value: number, ctx: KnobContext, limits: Limits): Refusal[] {
  const unit = KNOB_UNIT[knob];
  if (!Number.isFinite(value) || value <= 0) return [{ rule: 'range', message: `${knob} ${quote(value)} must be a positive number (${unit}).` }];
  switch (knob) {
    case 'cpu.weight':
    case 'io.weight':
      if (!Number.isInteger(value) || value > 10_000) return [{ rule: 'range', message: `${knob} ${quote(value)} is out of range; allowed integers 1..10000.` }];
      if (knob === 'cpu.weight' && value < limits.minCpuWeight) return [{ rule: 'min_cpu_share', message: `cpu.weight ${value} is below the minimum share ${limits.minCpuWeight} (config.remediation.minCpuWeight); a smaller weight can starve the target.` }];
      return [];
    case 'cpu.max':
      if (value > 100 * 1024) return [{ rule: 'range', message: `cpu.max ${value}% is more CPUs than any machine has; give percent of one CPU.` }];
      if (value < limits.minCpuPercent) return [{ rule: 'min_cpu_share', message: `cpu.max ${value}% of a CPU is below the minimum ${limits.minCpuPercent}% (config.remediation.minCpuPercent).` }];
      return [];
    case 'memory.max':
      if (ctx.memoryUsageBytes !== undefined && value < ctx.memoryUsageBytes) return [{ rule: 'memory_below_usage', message: `memory.max ${value} bytes is below the cgroup's current usage ${ctx.memoryUsageBytes} bytes; that would trigger the OOM killer. Use memory.high, or a limit ≥ ${ctx.memoryUsageBytes}.` }];
      return [];
    case 'memory.high':
      if (ctx.memoryUsageBytes !== undefined && value < ctx.memoryUsageBytes * limits.minMemoryHighOfUsage) {
        return [{ rule: 'step', message: `memory.high ${value} bytes is below ${limits.minMemoryHighOfUsage * 100}% of current usage (${ctx.memoryUsageBytes} bytes) in one step; allowed ≥ ${Math.ceil(ctx.memoryUsageBytes * limits.minMemoryHighOfUsage)}.` }];
      }
      return [];
  }
}

export function checkTtl(ttlSeconds: number, limits: Limits): Refusal[] {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > limits.maxTtlSeconds) return [{ rule: 'ttl', message: `ttlSeconds ${quote(ttlSeconds)} is out of range; allowed 1..${limits.maxTtlSeconds} (config.remediation.maxTtlSeconds). Every action is reverted when its TTL ends.` }];
  return [];
}

/** `recent` = actions on this target created within the rate-limit window. */
export function checkRateLimit(target: string, recent: number, limits: Limits): Refusal[] {
  if (recent >= limits.rateLimit.actions) return [{ rule: 'rate_limit', message: `${target} already had ${recent} actions in the last ${limits.rateLimit.perSeconds} s; at most ${limits.rateLimit.actions} (config.remediation.rateLimit). Wait, or revert and rethink.` }];
  return [];
}

export function refusalText(refusals: readonly Refusal[]): string {
  return refusals.map((r) => `[${r.rule}] ${r.message}`).join(' ');
}
