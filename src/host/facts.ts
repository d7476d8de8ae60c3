// The I/O shell of capability probing: reads what the host says about itself from /proc, /sys and
// PATH. No privileged operation and no subprocess, so it is cheap enough to run at every start.
import { accessSync, constants, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { release } from 'node:os';
import { which } from '../exec/index.js';
import { detectCgroupControllers, type CgroupControllerLayout } from './cgroups.js';

export interface HostFacts {
  kernelRelease: string;
  kernelConfig: Map<string, string> | undefined;
  kernelConfigSource: string | undefined;
  isRoot: boolean;
  btfVmlinux: boolean;
  bpffs: boolean;
  unprivilegedBpfDisabled: number | undefined;
  tracefsMounted: boolean;
  tracefsAvailable: boolean;
  debugfsMounted: boolean;
  eventSources: string[];
  schedExtSysfs: boolean;
  schedExtState: string | undefined;
  psiFiles: string[];
  psiReadable: boolean;
  cgroupMounts: Array<{ type: string; path: string }>;
  /** Which cgroup version serves cpu, memory and io (absent in hand-built facts). */
  cgroupControllers?: CgroupControllerLayout[];
  devKvm: boolean;
  binaries: Record<string, string | undefined>;
}

function read(path: string): string | undefined {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
}

export function parseKernelConfig(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(CONFIG_[A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) map.set(m[1]!, m[2]!);
  }
  return map;
}

function kernelConfig(rel: string): { config: Map<string, string> | undefined; source: string | undefined } {
  try {
    return { config: parseKernelConfig(gunzipSync(readFileSync('/proc/config.gz')).toString('utf8')), source: '/proc/config.gz' };
  } catch { /* not built with IKCONFIG_PROC */ }
  const boot = `/boot/config-${rel}`;
  const text = read(boot);
  return text ? { config: parseKernelConfig(text), source: boot } : { config: undefined, source: undefined };
}

export function parseMounts(text: string): Array<{ device: string; path: string; type: string }> {
  return text.split('\n').filter(Boolean).map((line) => {
    const [device = '', path = '', type = ''] = line.split(' ');
    return { device, path: path.replace(/\\040/g, ' '), type };
  });
}

function canOpenReadWrite(path: string): boolean {
  try { accessSync(path, constants.R_OK | constants.W_OK); return true; } catch { return false; }
}

export function gatherHostFacts(): HostFacts {
  const rel = release();
  const { config, source } = kernelConfig(rel);
  const mounts = parseMounts(read('/proc/mounts') ?? '');
  const filesystems = read('/proc/filesystems') ?? '';
  const psiFiles = ['cpu', 'memory', 'io'].filter((f) => existsSync(`/proc/pressure/${f}`));
  const unpriv = read('/proc/sys/kernel/unprivileged_bpf_disabled');
  let eventSources: string[] = [];
  try { eventSources = readdirSync('/sys/bus/event_source/devices'); } catch { /* no perf sysfs */ }
  const binaries: Record<string, string | undefined> = {};
  for (const name of ['clang-19', 'bpftool', 'qemu-system-x86_64', 'bwrap', 'perf', 'strace', 'hackbench', 'stress-ng', 'prlimit', 'ip']) {
    binaries[name] = which(name);
  }
  return {
    kernelRelease: rel,
    kernelConfig: config,
    kernelConfigSource: source,
    isRoot: process.getuid?.() === 0,
    btfVmlinux: existsSync('/sys/kernel/btf/vmlinux'),
    bpffs: mounts.some((m) => m.type === 'bpf'),
    unprivilegedBpfDisabled: unpriv === undefined ? undefined : Number(unpriv.trim()),
    tracefsMounted: mounts.some((m) => m.type === 'tracefs'),
    tracefsAvailable: /\btracefs\b/.test(filesystems),
    debugfsMounted: mounts.some((m) => m.type === 'debugfs'),
    eventSources,
    schedExtSysfs: existsSync('/sys/kernel/sched_ext'),
    schedExtState: read('/sys/kernel/sched_ext/state')?.trim(),
    psiFiles,
    // PSI can be compiled in but disabled at boot (psi=0 / PSI_DEFAULT_DISABLED): reading tells.
    psiReadable: psiFiles.length > 0 && read('/proc/pressure/cpu') !== undefined,
    cgroupMounts: mounts.filter((m) => m.type === 'cgroup' || m.type === 'cgroup2').map((m) => ({ type: m.type, path: m.path })),
    cgroupControllers: detectCgroupControllers(),
    devKvm: existsSync('/dev/kvm') && statSync('/dev/kvm').isCharacterDevice() && canOpenReadWrite('/dev/kvm'),
    binaries,
  };
}
