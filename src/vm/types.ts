// Public types of the micro-VM runner: what callers pass in and the results they get back.
// The guest speaks JSON lines (sandbox-vm/README.md); guest-output.ts turns them into these.

/** A built, cached VM kit (see `getKit`). All paths are absolute. */
export interface Kit {
  dir: string;
  manifest: KitManifest;
  bzImage: string;
  initramfs: string;
  /** stress-ng with its libraries, appended to the initramfs only for runs that use it (saves ~0.7 s of boot). */
  stressNgInitramfs: string;
  /** `-I` directories for compiling policies: vmlinux.h, scx/common.bpf.h, bpf/bpf_helpers.h, bpf-compat. */
  includeDirs: string[];
  vmlinuxH: string;
  bpftool: string;
  kernelConfig: string;
  /** The kernel tree's scx_simple compiled against the kit: a known-good policy object. */
  exampleObject: string;
}

export interface KitManifest {
  schemaVersion: 1;
  inputsHash: string;
  builtAt: string;
  buildSeconds: number;
  /** What went into the hash: Debian package versions and sha256 of each sandbox-vm source file. */
  inputs: { packages: Record<string, string>; files: Record<string, string> };
  versions: {
    linuxSource: string;
    kernelRelease: string;
    libbpf: string;
    bpftool: string;
    clang: string;
    gcc: string;
  };
  /** Every kit file (relative path) with its sha256 and size. */
  files: Record<string, { sha256: string; bytes: number }>;
  /** Whether KVM worked when the kit was built (else runs use TCG). */
  kvmUsable: boolean;
}

export type KitProgress =
  | { kind: 'step'; step: number; total: number; message: string }
  | { kind: 'progress'; message: string }
  | { kind: 'done'; message: string };

/** One policy to load in the guest. */
export interface PolicySpec {
  /** Label used in results; letters, digits, `_ . -` only. */
  name: string;
  /** A compiled BPF object (see `compilePolicy`) defining a sched_ext struct_ops map. */
  objectPath: string;
  /** Override ops.timeout_ms (the watchdog) so a stalling policy is ejected within seconds. */
  timeoutMs?: number;
  /** SCX_OPS_SWITCH_PARTIAL: only the workloads (set to SCHED_EXT) run on the policy. */
  partial?: boolean;
}

/** Workloads run in the guest, in order, under each policy (and in the baseline). */
export type WorkloadSpec =
  | { kind: 'hackbench'; name?: string; groups?: number; loops?: number; threads?: boolean; timeoutSeconds?: number }
  | { kind: 'stress-ng'; name?: string; stressor: string; workers?: number; seconds?: number; timeoutSeconds?: number }
  | { kind: 'forkexec'; name?: string; count?: number; parallel?: number; timeoutSeconds?: number }
  /** hogs: CPU-bound processes spinning beside the sleepers; maxMs: stop sleeping after this long. */
  | { kind: 'wakeup-latency'; name?: string; threads?: number; iterations?: number; sleepUs?: number; hogs?: number; maxMs?: number; timeoutSeconds?: number }
  | { kind: 'idle'; name?: string; seconds: number }
  /** Any guest command (busybox applets, hackbench, stress-ng, schedcp-probe); mainly for tests. */
  | { kind: 'command'; name?: string; argv: string[]; timeoutSeconds?: number };

/** sysfs view of sched_ext (/sys/kernel/sched_ext/...). */
export interface SchedExtState {
  state: string;
  ops: string;
  nrRejected: number;
  enableSeq: number;
  switchAll: boolean;
}

/** Kernel verifier statistics for one BPF program (log level 4). */
export interface ProgramVerifierStats {
  name: string;
  section: string;
  insns: number;
  loaded: boolean;
  processedInsns?: number;
  insnLimit?: number;
  maxStatesPerInsn?: number;
  totalStates?: number;
  peakStates?: number;
  markRead?: number;
  verificationTimeUs?: number;
  /** Stack depth per subprogram ("stack depth 8+0" → [8, 0]). */
  stackDepth?: number[];
  raw: string;
}

export interface LoadResult {
  ok: boolean;
  error?: string;
  /** 'not_bpf_object' | 'no_struct_ops' | 'verifier_rejected' | 'load_failed' when !ok. */
  failure?: 'not_bpf_object' | 'no_struct_ops' | 'verifier_rejected' | 'load_failed';
  durationMs: number;
  opsName?: string;
  structOpsMap?: string;
  timeoutMs?: number;
  flags?: number;
  /** The policy records exit info with UEI_DEFINE(uei)/UEI_RECORD, so eject reasons come from it. */
  hasUei: boolean;
  programs: ProgramVerifierStats[];
  failedProgram?: string;
  errno?: number;
  /** Tail of the kernel verifier log of the rejected program (log level 1|4). */
  verifierLog?: string;
  verifierLogTruncated?: boolean;
  /** libbpf's own warnings (e.g. a kfunc that does not exist in 6.12). */
  libbpfLog?: string;
}

export interface AttachResult {
  ok: boolean;
  error?: string;
  durationMs: number;
  sched_ext: SchedExtState;
  libbpfLog?: string;
}

/** How the kernel ejected a policy before schedcp detached it. */
export interface EjectInfo {
  /** 'uei': the policy's user_exit_info; 'sysfs': state left "enabled" and the reason comes from dmesg. */
  source: 'uei' | 'sysfs';
  kind?: number;
  /** SCX_EXIT_* name, e.g. 'ERROR_STALL' for a watchdog ejection. */
  kindName?: string;
  exitCode?: number;
  reason?: string;
  message?: string;
  /** sched_ext debug dump (when the policy uses UEI_DEFINE). */
  dump?: string;
  afterMs: number;
  duringWorkload?: string;
  sched_ext: SchedExtState;
}

export interface DetachResult {
  ok: boolean;
  wasEjected: boolean;
  durationMs: number;
  exitKind?: number;
  exitKindName?: string;
  sched_ext: SchedExtState;
}

export interface WorkloadResult {
  name: string;
  argv: string[];
  exitCode: number | null;
  signal: number | null;
  timedOut: boolean;
  wallMs: number;
  userMs: number;
  sysMs: number;
  voluntaryCtxsw: number;
  involuntaryCtxsw: number;
  /** sched_ext still enabled when the workload ended (false for baseline runs). */
  schedulerEnabledAfter: boolean;
  /** Last 4 KiB of the workload's stdout+stderr. */
  output: string;
  /** Parsed numbers: hackbench `seconds`; stress-ng `bogoOps`, `bogoOpsPerSec`; probes their JSON fields. */
  metrics: Record<string, number>;
}

export type PolicyOutcome = 'ok' | 'not_bpf_object' | 'no_struct_ops' | 'verifier_rejected' | 'load_failed' | 'attach_failed' | 'ejected' | 'incomplete';

export interface PolicyRunResult {
  name: string;
  /** One word for callers to branch on; details are in the sections below. */
  outcome: PolicyOutcome;
  load?: LoadResult;
  attach?: AttachResult;
  workloads: WorkloadResult[];
  eject?: EjectInfo;
  detach?: DetachResult;
  /** Kernel log records written while this policy was loaded. */
  dmesg: string[];
  loaderExitStatus?: number;
}

export interface RunInVmOptions {
  policies: PolicySpec[];
  workloads?: WorkloadSpec[];
  /** Also run the workloads once without any policy (the default EEVDF scheduler) first. */
  baseline?: boolean;
  /** Hard wall-clock limit for the whole VM (boot included); default config vm.timeoutSeconds. */
  timeoutSeconds?: number;
  signal?: AbortSignal;
  onProgress?: (event: VmProgress) => void;
  /** Overrides for the config file's `vm` section (loadConfig().vm), which supplies the rest. */
  vm?: Partial<VmSettings>;
}

export interface VmSettings {
  accel: 'auto' | 'kvm' | 'tcg';
  maxConcurrent: number;
  memoryMiB: number;
  cpus: number;
  timeoutSeconds: number;
}

export type VmProgress =
  | { kind: 'queued' }
  | { kind: 'started'; accel: 'kvm' | 'tcg' }
  | { kind: 'booted'; guestUptimeMs: number }
  | { kind: 'policy'; policy: string; stage: 'loaded' | 'load_failed' | 'attached' | 'attach_failed' | 'ejected' | 'detached' }
  | { kind: 'workload'; policy: string | null; workload: string; wallMs: number }
  | { kind: 'finished'; status: VmRunStatus };

export interface VmTimings { queuedMs: number; prepareMs: number; runMs?: number; teardownMs?: number }

/** completed: the guest ran the whole plan; hang: killed at the timeout; guest_crashed: panic or early exit. */
export type VmRunStatus = 'completed' | 'hang' | 'guest_crashed';

export interface VmRunResult {
  status: VmRunStatus;
  /** One human sentence: what happened and, for failures, what to look at. */
  message: string;
  accel: 'kvm' | 'tcg';
  kernelRelease?: string;
  guestCpus?: number;
  /** Guest uptime when init started (kernel boot time). */
  guestBootMs?: number;
  /** Host wall time from starting qemu to the guest's first protocol line. */
  bootMs?: number;
  wallMs: number;
  /** Host-side phases in ms: waiting for a VM slot, building the initrd, qemu start to the guest's
   * "done", and "done" to qemu's exit (teardown). */
  timings?: VmTimings;
  policies: PolicyRunResult[];
  baseline?: WorkloadResult[];
  /** Kernel console lines that are not protocol lines (tail). */
  console: string[];
  /** The "Kernel panic - not syncing" line when the guest panicked. */
  panic?: string;
  /** Protocol lines that did not parse (should stay empty). */
  malformed: string[];
  qemu: { argv: string[]; exitCode: number | null; signal: string | null };
}
