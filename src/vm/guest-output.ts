// Pure parser for the guest's serial output: "@@SCHEDCP {json}" protocol lines from the init and
// schedcp-loader (schema in sandbox-vm/README.md), everything else is kernel console text.
import { parseWorkloadMetrics } from './workloads.js';
import type {
  EjectInfo, PolicyOutcome, PolicyRunResult, ProgramVerifierStats, SchedExtState, VmProgress, WorkloadResult,
} from './types.js';

export const MARKER = '@@SCHEDCP ';

export type ParsedLine =
  | { kind: 'event'; event: GuestEvent }
  | { kind: 'console'; text: string }
  | { kind: 'malformed'; text: string };

export type GuestEvent = { type: string } & Record<string, unknown>;

/** SCX_EXIT_* values of enum scx_exit_kind in Linux 6.12. */
export const EXIT_KIND_NAMES: Record<number, string> = {
  0: 'NONE', 1: 'DONE', 64: 'UNREG', 65: 'UNREG_BPF', 66: 'UNREG_KERN', 67: 'SYSRQ',
  1024: 'ERROR', 1025: 'ERROR_BPF', 1026: 'ERROR_STALL',
};

/** scx_exit_reason() strings, to name the kind when only dmesg says why (policy without UEI). */
const REASON_KINDS: Record<string, number> = {
  'unregistered from user space': 64, 'unregistered from BPF': 65, 'unregistered from the main kernel': 66,
  'disabled by sysrq-S': 67, 'runtime error': 1024, 'scx_bpf_error': 1025, 'runnable task stall': 1026,
};

export function parseGuestLine(rawLine: string): ParsedLine {
  const line = rawLine.replace(/\r/g, '');
  const at = line.indexOf(MARKER);
  if (at < 0) return { kind: 'console', text: line };
  const json = line.slice(at + MARKER.length).trim();
  try {
    const value = JSON.parse(json) as unknown;
    if (value && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string') {
      return { kind: 'event', event: value as GuestEvent };
    }
  } catch { /* reported as malformed below */ }
  return { kind: 'malformed', text: line };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const round = (v: unknown): number => Math.round((num(v) ?? 0) * 1000) / 1000;

/** Parses the log-level-4 text ("processed 35 insns (limit 1000000) ... peak_states 3 ..."). */
export function parseVerifierStats(raw: string): Omit<ProgramVerifierStats, 'name' | 'section' | 'insns' | 'loaded' | 'raw'> {
  const out: Omit<ProgramVerifierStats, 'name' | 'section' | 'insns' | 'loaded' | 'raw'> = {};
  const processed = /processed (\d+) insns \(limit (\d+)\) max_states_per_insn (\d+) total_states (\d+) peak_states (\d+) mark_read (\d+)/.exec(raw);
  if (processed) {
    [out.processedInsns, out.insnLimit, out.maxStatesPerInsn, out.totalStates, out.peakStates, out.markRead] = processed.slice(1).map(Number);
  }
  const time = /verification time (\d+) usec/.exec(raw);
  if (time) out.verificationTimeUs = Number(time[1]);
  const stack = /stack depth ([\d+]+)/.exec(raw);
  if (stack) out.stackDepth = stack[1]!.split('+').filter(Boolean).map(Number);
  return out;
}

export function parseSchedExtState(value: unknown): SchedExtState {
  const v = (value ?? {}) as Record<string, unknown>;
  return {
    state: str(v.state) ?? '',
    ops: str(v.ops) ?? '',
    nrRejected: num(v.nr_rejected) ?? 0,
    enableSeq: num(v.enable_seq) ?? 0,
    switchAll: str(v.switch_all) === '1',
  };
}

function toWorkload(e: GuestEvent): WorkloadResult {
  const argv = Array.isArray(e.argv) ? e.argv.map(String) : [];
  const output = str(e.output) ?? '';
  return {
    name: str(e.name) ?? '',
    argv,
    exitCode: num(e.exit_code) ?? null,
    signal: num(e.signal) ?? null,
    timedOut: e.timed_out === true,
    wallMs: round(e.wall_ms),
    userMs: round(e.user_ms),
    sysMs: round(e.sys_ms),
    voluntaryCtxsw: num(e.voluntary_ctxsw) ?? 0,
    involuntaryCtxsw: num(e.involuntary_ctxsw) ?? 0,
    schedulerEnabledAfter: e.scheduler_enabled_after === true,
    output,
    metrics: parseWorkloadMetrics(argv, output),
  };
}

function toPrograms(value: unknown): ProgramVerifierStats[] {
  if (!Array.isArray(value)) return [];
  return value.map((p: Record<string, unknown>) => {
    const raw = str(p.verifier_stats) ?? '';
    return { name: str(p.name) ?? '', section: str(p.section) ?? '', insns: num(p.insns) ?? 0, loaded: p.loaded === true, ...parseVerifierStats(raw), raw };
  });
}

/** Fills the reason/message of a sysfs-detected eject from "sched_ext: BPF scheduler "x" disabled (...)" lines. */
function ejectFromDmesg(eject: EjectInfo, lines: string[], opsName: string | undefined): void {
  for (const line of lines) {
    const disabled = /sched_ext: BPF scheduler "([^"]*)" disabled \((.*)\)\s*$/.exec(line);
    if (disabled) {
      eject.reason ??= disabled[2];
      const kind = REASON_KINDS[disabled[2]!];
      if (kind !== undefined && eject.kind === undefined) { eject.kind = kind; eject.kindName = EXIT_KIND_NAMES[kind]; }
      continue;
    }
    const msg = opsName ? new RegExp(`sched_ext: ${opsName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (.*)$`).exec(line) : null;
    if (msg) eject.message ??= msg[1];
  }
}

/** Folds guest events, in order, into per-policy results. Pure; `push` returns a progress event when one applies. */
export class GuestRunAssembler {
  readonly policies: PolicyRunResult[] = [];
  baseline: WorkloadResult[] | undefined;
  kernelRelease: string | undefined;
  guestCpus: number | undefined;
  guestBootMs: number | undefined;
  done = false;
  guestErrors: string[] = [];

  constructor(private readonly expectedPolicies: readonly string[] = []) {}

  private policy(name: string): PolicyRunResult {
    let p = this.policies.find((x) => x.name === name);
    if (!p) {
      p = { name, outcome: 'incomplete', workloads: [], dmesg: [] };
      this.policies.push(p);
    }
    return p;
  }

  push(e: GuestEvent): VmProgress | undefined {
    const name = str(e.policy);
    switch (e.type) {
      case 'boot':
        this.kernelRelease = str(e.kernel_release);
        this.guestCpus = num(e.cpus);
        this.guestBootMs = round(e.uptime_ms);
        return { kind: 'booted', guestUptimeMs: this.guestBootMs };
      case 'load': {
        const p = this.policy(name ?? '');
        const programs = toPrograms(e.programs);
        const ok = e.ok === true;
        const verifierLog = str(e.verifier_log);
        const failedProgram = str(e.failed_program);
        let failure: NonNullable<PolicyRunResult['load']>['failure'];
        if (!ok) {
          const early = str(e.failure) as typeof failure;
          // A program the kernel refused with a verifier log is a verifier rejection; libbpf-side failures
          // (unknown kfunc, bad BTF) stop before any program reaches the verifier.
          failure = early ?? (failedProgram && verifierLog?.trim() ? 'verifier_rejected' : 'load_failed');
        }
        p.load = {
          ok, durationMs: round(e.duration_ms), hasUei: e.has_uei === true, programs,
          ...(failure && { failure }),
          ...(str(e.error) && { error: str(e.error) }),
          ...(str(e.ops_name) !== undefined && { opsName: str(e.ops_name) }),
          ...(str(e.struct_ops_map) && { structOpsMap: str(e.struct_ops_map) }),
          ...(num(e.timeout_ms) !== undefined && { timeoutMs: num(e.timeout_ms) }),
          ...(num(e.flags) !== undefined && { flags: num(e.flags) }),
          ...(failedProgram && { failedProgram }),
          ...(num(e.errno) !== undefined && { errno: num(e.errno) }),
          ...(verifierLog !== undefined && { verifierLog, verifierLogTruncated: e.verifier_log_truncated === true }),
          ...(str(e.libbpf_log) && { libbpfLog: str(e.libbpf_log) }),
        };
        if (failure) p.outcome = failure;
        return { kind: 'policy', policy: p.name, stage: ok ? 'loaded' : 'load_failed' };
      }
      case 'attach': {
        const p = this.policy(name ?? '');
        const ok = e.ok === true;
        p.attach = {
          ok, durationMs: round(e.duration_ms), sched_ext: parseSchedExtState(e.sched_ext),
          ...(str(e.error) && { error: str(e.error) }),
          ...(str(e.libbpf_log) && { libbpfLog: str(e.libbpf_log) }),
        };
        if (!ok) p.outcome = 'attach_failed';
        return { kind: 'policy', policy: p.name, stage: ok ? 'attached' : 'attach_failed' };
      }
      case 'workload': {
        const w = toWorkload(e);
        if (name === undefined) (this.baseline ??= []).push(w);
        else this.policy(name).workloads.push(w);
        return { kind: 'workload', policy: name ?? null, workload: w.name, wallMs: w.wallMs };
      }
      case 'eject': {
        const p = this.policy(name ?? '');
        const kind = num(e.kind);
        p.eject = {
          source: e.source === 'uei' ? 'uei' : 'sysfs',
          afterMs: round(e.after_ms),
          sched_ext: parseSchedExtState(e.sched_ext),
          ...(kind !== undefined && { kind, kindName: EXIT_KIND_NAMES[kind] ?? `UNKNOWN_${kind}` }),
          ...(num(e.exit_code) !== undefined && { exitCode: num(e.exit_code) }),
          ...(str(e.reason) && { reason: str(e.reason) }),
          ...(str(e.message) && { message: str(e.message) }),
          ...(str(e.dump) && { dump: str(e.dump) }),
          ...(str(e.during_workload) && { duringWorkload: str(e.during_workload) }),
        };
        if (p.outcome === 'incomplete' || p.outcome === 'attach_failed') p.outcome = p.attach?.ok === false ? 'attach_failed' : 'ejected';
        return { kind: 'policy', policy: p.name, stage: 'ejected' };
      }
      case 'detach': {
        const p = this.policy(name ?? '');
        const exitKind = num(e.exit_kind);
        p.detach = {
          ok: e.ok === true, wasEjected: e.was_ejected === true, durationMs: round(e.duration_ms), sched_ext: parseSchedExtState(e.sched_ext),
          ...(exitKind !== undefined && { exitKind, exitKindName: EXIT_KIND_NAMES[exitKind] ?? `UNKNOWN_${exitKind}` }),
        };
        if (p.outcome === 'incomplete') p.outcome = 'ok';
        return { kind: 'policy', policy: p.name, stage: 'detached' };
      }
      case 'dmesg': {
        const p = this.policy(name ?? '');
        p.dmesg = Array.isArray(e.lines) ? e.lines.map(String) : [];
        if (p.eject?.source === 'sysfs') ejectFromDmesg(p.eject, p.dmesg, p.load?.opsName);
        return undefined;
      }
      case 'loader_exit':
        if (name !== undefined) this.policy(name).loaderExitStatus = num(e.status);
        return undefined;
      case 'error':
        this.guestErrors.push(str(e.message) ?? JSON.stringify(e));
        return undefined;
      case 'done':
        this.done = true;
        return undefined;
      default:
        return undefined;
    }
  }

  /** Results in plan order; policies the guest never reached are listed as 'incomplete'. */
  results(): PolicyRunResult[] {
    for (const name of this.expectedPolicies) this.policy(name);
    const order = new Map(this.expectedPolicies.map((n, i) => [n, i]));
    return [...this.policies].sort((a, b) => (order.get(a.name) ?? 1e9) - (order.get(b.name) ?? 1e9));
  }
}

export function outcomeSummary(p: PolicyRunResult): string {
  const byOutcome: Record<PolicyOutcome, () => string> = {
    ok: () => `${p.name}: loaded, attached, ran ${p.workloads.length} workload(s), detached`,
    not_bpf_object: () => `${p.name}: ${p.load?.error ?? 'not a BPF object'}`,
    no_struct_ops: () => `${p.name}: ${p.load?.error ?? 'no sched_ext struct_ops map'}`,
    verifier_rejected: () => `${p.name}: rejected by the kernel verifier (program ${p.load?.failedProgram ?? '?'})`,
    load_failed: () => `${p.name}: load failed: ${p.load?.error ?? '?'}`,
    attach_failed: () => `${p.name}: attach failed: ${p.attach?.error ?? '?'}`,
    ejected: () => `${p.name}: ejected by the kernel (${p.eject?.kindName ?? p.eject?.reason ?? 'unknown reason'})`,
    incomplete: () => `${p.name}: the guest did not finish this policy`,
  };
  return byOutcome[p.outcome]();
}
