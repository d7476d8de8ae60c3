// The pure core of capability probing: turns host facts into a list of features, each with a
// yes/no and the reason, so an agent learns up front what will not work here and why.
import type { HostFacts } from './facts.js';

export type CapabilityName =
  | 'bpf' | 'btf' | 'tp_btf' | 'tracefs' | 'kprobes' | 'fentry' | 'sched_ext'
  | 'perf_events' | 'hardware_pmu' | 'psi' | 'cgroup' | 'qemu' | 'kvm' | 'micro_vm_kit'
  | 'bubblewrap' | 'perf_tool' | 'strace' | 'root';

export interface Capability {
  name: CapabilityName;
  available: boolean;
  /** Why it is or is not available, and what to do about it. */
  detail: string;
  /** How it was established: a config flag or file only says "should work"; an attach test proves it. */
  evidence: 'kernel_config' | 'filesystem' | 'attach_test' | 'binary' | 'process';
}

/** Results of real attach attempts (from the probe library's feature test), when it has run. */
export type AttachTests = Partial<Record<'tp_btf' | 'fentry' | 'kprobe' | 'raw_tp', { ok: boolean; reason: string }>>;

export interface KitStatus { present: boolean; detail: string }

function cfg(facts: HostFacts, key: string): string | undefined {
  return facts.kernelConfig?.get(key);
}

const on = (v: string | undefined) => v === 'y' || v === 'm';

export function classifyCapabilities(facts: HostFacts, extras: { attach?: AttachTests; kit?: KitStatus } = {}): Capability[] {
  const caps: Capability[] = [];
  const add = (name: CapabilityName, available: boolean, detail: string, evidence: Capability['evidence']) =>
    caps.push({ name, available, detail, evidence });
  const configKnown = facts.kernelConfig !== undefined;
  const bpfConfig = cfg(facts, 'CONFIG_BPF_SYSCALL');

  add('root', facts.isRoot, facts.isRoot ? 'running as root' : 'not root: probes, perf and live tuning need root or CAP_BPF/CAP_PERFMON/CAP_SYS_ADMIN', 'process');
  add('bpf', configKnown ? on(bpfConfig) : facts.btfVmlinux,
    configKnown ? (on(bpfConfig) ? 'CONFIG_BPF_SYSCALL=y' : 'kernel built without CONFIG_BPF_SYSCALL: no eBPF probes') : 'kernel config unreadable; inferred from /sys/kernel/btf', configKnown ? 'kernel_config' : 'filesystem');
  add('btf', facts.btfVmlinux, facts.btfVmlinux ? '/sys/kernel/btf/vmlinux present (CO-RE works)' : 'no /sys/kernel/btf/vmlinux: CO-RE probes cannot relocate; need CONFIG_DEBUG_INFO_BTF', 'filesystem');

  const attach = extras.attach ?? {};
  const fromTest = (key: keyof AttachTests, name: CapabilityName, fallback: () => [boolean, string, Capability['evidence']]) => {
    const t = attach[key];
    if (t) add(name, t.ok, t.reason, 'attach_test');
    else { const [ok, why, ev] = fallback(); add(name, ok, why, ev); }
  };
  fromTest('tp_btf', 'tp_btf', () => [facts.btfVmlinux && on(bpfConfig), facts.btfVmlinux ? 'BTF present; tp_btf should attach (not yet attach-tested)' : 'needs kernel BTF', 'kernel_config']);
  add('tracefs', facts.tracefsMounted || facts.tracefsAvailable,
    facts.tracefsMounted ? 'tracefs mounted: classic tracepoints attach' : facts.tracefsAvailable ? 'tracefs supported but not mounted: probes mount it on demand (root) for classic tracepoints' : 'no tracefs in this kernel: only tp_btf tracepoints', 'filesystem');
  fromTest('kprobe', 'kprobes', () => {
    const k = cfg(facts, 'CONFIG_KPROBES');
    const pmu = facts.eventSources.includes('kprobe');
    return [on(k) || pmu, on(k) || pmu ? 'kprobes configured (kprobe PMU present)' : `kernel built without CONFIG_KPROBES${configKnown ? '' : ' (config unreadable)'}: kprobe-based probes unavailable, tracepoint variants are used instead`, configKnown ? 'kernel_config' : 'filesystem'];
  });
  fromTest('fentry', 'fentry', () => {
    const direct = on(cfg(facts, 'CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS')) && on(cfg(facts, 'CONFIG_FUNCTION_TRACER'));
    return [false, direct ? 'kernel config allows fentry but no attach test has run yet; treated as unavailable until proven (run_probe tests it)' : 'kernel lacks DYNAMIC_FTRACE_WITH_DIRECT_CALLS/FUNCTION_TRACER: no fentry/fexit', 'kernel_config'];
  });
  const scx = facts.schedExtSysfs;
  add('sched_ext', scx, scx ? `sched_ext present (state: ${facts.schedExtState ?? 'unknown'})` : `host kernel has no sched_ext (${cfg(facts, 'CONFIG_SCHED_CLASS_EXT') === undefined ? 'CONFIG_SCHED_CLASS_EXT not set' : 'no /sys/kernel/sched_ext'}): policies are verified and exercised only inside the micro-VM; deploying to this host is impossible`, 'filesystem');
  const perf = on(cfg(facts, 'CONFIG_PERF_EVENTS')) || facts.eventSources.includes('software');
  add('perf_events', perf, perf ? `perf event sources: ${facts.eventSources.join(', ')}` : 'no perf events', 'filesystem');
  const pmu = facts.eventSources.includes('cpu') || facts.eventSources.some((s) => /^(cpu_core|cpu_atom|armv8|cpum_cf)/.test(s));
  add('hardware_pmu', pmu, pmu ? 'hardware PMU present: cycles/instructions counters work' : 'no hardware PMU (virtualized?): perf stat falls back to software events (task-clock, context-switches, page-faults)', 'filesystem');
  add('psi', facts.psiReadable, facts.psiReadable ? `PSI readable: ${facts.psiFiles.join(', ')}` : facts.psiFiles.length ? 'PSI files exist but are not readable (booted with psi=0?)' : 'no /proc/pressure: memory/io pressure signals use vmstat/diskstats only', 'filesystem');
  const v2 = facts.cgroupMounts.filter((m) => m.type === 'cgroup2');
  const v1 = facts.cgroupMounts.filter((m) => m.type === 'cgroup');
  const layout = v1.length && v2.length ? 'hybrid' : v2.length ? 'v2' : v1.length ? 'v1' : 'none';
  const perController = facts.cgroupControllers?.map((c) => `${c.controller}: ${c.detail}`).join('; ');
  add('cgroup', layout !== 'none', `cgroup layout: ${layout}${v2[0] ? ` (v2 at ${v2[0].path})` : ''}${perController ? `; per controller: ${perController}` : ''}`, 'filesystem');
  const qemu = facts.binaries['qemu-system-x86_64'];
  add('qemu', Boolean(qemu), qemu ? `${qemu} (TCG emulation always available)` : 'qemu-system-x86_64 missing: run scripts/setup.sh (package qemu-system-x86); no verification in the micro-VM', 'binary');
  add('kvm', facts.devKvm, facts.devKvm ? '/dev/kvm is accessible: the VM runner tries KVM first and falls back to TCG if it fails' : 'no usable /dev/kvm: micro-VMs run under TCG emulation (slower; timings judge correctness, not fine performance)', 'filesystem');
  const kit = extras.kit ?? { present: false, detail: 'micro-VM kit status unknown' };
  add('micro_vm_kit', kit.present, kit.detail, 'filesystem');
  for (const [name, bin, pkg] of [['bubblewrap', 'bwrap', 'bubblewrap'], ['perf_tool', 'perf', 'linux-perf'], ['strace', 'strace', 'strace']] as const) {
    const path = facts.binaries[bin];
    add(name, Boolean(path), path ? path : `${bin} missing: install Debian package ${pkg} (scripts/setup.sh)`, 'binary');
  }
  return caps;
}
