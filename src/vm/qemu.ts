// Starting qemu for the micro-VM: accelerator choice, a concurrency limit, a hard wall-clock
// limit, and a registry of live qemu processes that are killed when this process exits.
// qemu is spawned here rather than through exec.run because its process group must be killed on exit
// and its output must be read to the last byte after it exits (node's 'close' event guarantees that).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { release } from 'node:os';
import { dirname } from 'node:path';
import { SchedcpError } from '../errors.js';

export const QEMU = 'qemu-system-x86_64';
// pty.legacy_count=0: no 256 legacy BSD ptys (pty_init took ~0.4 s of a TCG boot; the guest uses none).
// no_timer_check: skip the IO-APIC timer IRQ probe (its delay loops are slow under emulation).
const KERNEL_CMDLINE = 'console=ttyS0 panic=-1 reboot=t quiet pty.legacy_count=0 no_timer_check';
/** qboot (Debian qemu-system-data): a minimal firmware that only boots -kernel; SeaBIOS's POST cost ~0.4 s under TCG. */
export const QBOOT = '/usr/share/qemu/qboot.rom';

/** Live VMs and how to kill each one's process group. */
const live = new Map<Promise<unknown>, () => void>();
let hooksInstalled = false;

function killAll(): void {
  for (const kill of live.values()) kill();
}

/** On a fatal signal, kill the VMs and then let the signal take its default course. */
function onSignal(signal: NodeJS.Signals): void {
  killAll();
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeListener(s, onSignal);
  hooksInstalled = false;
  process.kill(process.pid, signal);
}

function track(child: Promise<unknown>, kill: () => void): void {
  live.set(child, kill);
  if (!hooksInstalled) {
    hooksInstalled = true;
    process.once('exit', killAll);
    // Only while VMs run: a handler replaces Node's default exit-on-signal, so it re-raises.
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) if (process.listenerCount(s) === 0) process.once(s, onSignal);
  }
  void child.finally(() => {
    live.delete(child);
    if (live.size === 0 && hooksInstalled) {
      for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeListener(s, onSignal);
      process.removeListener('exit', killAll);
      hooksInstalled = false;
    }
  });
}

/** Number of qemu processes this process currently runs (tests assert it drops to 0). */
export function liveVmCount(): number {
  return live.size;
}

/** Counting semaphore with a per-call limit (config.vm.maxConcurrent). */
export class Semaphore {
  private active = 0;
  private waiters: (() => void)[] = [];

  async acquire(limit: number, signal?: AbortSignal): Promise<() => void> {
    while (this.active >= limit) {
      if (signal?.aborted) throw new SchedcpError('cancelled', 'Cancelled while waiting for a free VM slot.');
      await new Promise<void>((resolve) => {
        // An aborted waiter leaves the queue, so a later release wakes a caller that is still waiting.
        const wake = () => { signal?.removeEventListener('abort', wake); this.waiters = this.waiters.filter((w) => w !== wake); resolve(); };
        this.waiters.push(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiters[0]?.();
    };
  }
}

export const vmSlots = new Semaphore();

export interface QemuSpec {
  kernel: string;
  initrd?: string;
  accel: 'kvm' | 'tcg';
  cpus: number;
  memoryMiB: number;
}

export function qemuArgs(spec: QemuSpec): string[] {
  return [
    '-nodefaults', '-no-user-config', '-display', 'none', '-serial', 'stdio', '-no-reboot',
    ...(existsSync(QBOOT) ? ['-bios', QBOOT] : []),
    '-accel', spec.accel, '-cpu', spec.accel === 'kvm' ? 'host' : 'max',
    '-smp', String(spec.cpus), '-m', `${spec.memoryMiB}M`,
    '-kernel', spec.kernel, ...(spec.initrd ? ['-initrd', spec.initrd] : []),
    '-append', KERNEL_CMDLINE,
  ];
}

export interface QemuExit {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  stderr: string;
  wallMs: number;
}

export interface QemuHandle {
  argv: string[];
  result: Promise<QemuExit>;
  /** Ends the VM now (used after the guest said "done" but did not power off). */
  kill(): void;
}

/** Seconds the coreutils `timeout` wrapper adds on top of the host's own limit before it kills qemu. */
const ORPHAN_GRACE_S = 15;

export function startQemu(spec: QemuSpec, options: { timeoutMs: number; signal?: AbortSignal; onLine: (line: string) => void }): QemuHandle {
  const args = qemuArgs(spec);
  const started = performance.now();
  // qemu runs under `timeout -s KILL` in its own process group: if this process is SIGKILLed (no
  // exit hook runs) the wrapper still ends the VM; otherwise we kill the whole group ourselves.
  const wrapperSeconds = Math.ceil(options.timeoutMs / 1000) + ORPHAN_GRACE_S;
  const child = spawn('timeout', ['--signal=KILL', `${wrapperSeconds}s`, QEMU, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let timedOut = false;
  let cancelled = false;
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch { /* already gone */ }
  };
  const timer = setTimeout(() => { timedOut = true; killGroup(); }, options.timeoutMs);
  const onAbort = () => { cancelled = true; killGroup(); };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let pending = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      options.onLine(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-4000); });
  // 'close' (unlike 'exit') fires only after stdout is drained, so the guest's last lines are never lost.
  const result = new Promise<QemuExit>((resolve) => {
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, error?: Error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (pending) options.onLine(pending);
      pending = '';
      resolve({ exitCode, signal, timedOut, cancelled, stderr: error ? `${stderr}\n${error.message}` : stderr, wallMs: performance.now() - started });
    };
    child.once('error', (error) => finish(null, null, error));
    child.once('close', (code, signal) => finish(code, signal));
  });
  track(result, killGroup);
  return { argv: [QEMU, ...args], result, kill: killGroup };
}

let kvmProbe: Promise<boolean> | undefined;

/** Whether KVM really runs a guest here: boot the kit kernel without an initramfs and wait for
 * its "no root" panic. /dev/kvm can exist and still spin forever (e.g. on PVM hosts). */
export function probeKvm(kernel: string, cacheFile?: string): Promise<boolean> {
  if (!existsSync('/dev/kvm')) return Promise.resolve(false);
  if (cacheFile && existsSync(cacheFile)) {
    try {
      const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as { hostKernel?: string; works?: boolean };
      if (cached.hostKernel === release() && typeof cached.works === 'boolean') return Promise.resolve(cached.works);
    } catch { /* re-probe */ }
  }
  kvmProbe ??= (async () => {
    let sawPanic = false;
    const handle = startQemu({ kernel, accel: 'kvm', cpus: 1, memoryMiB: 128 }, {
      timeoutMs: 8000,
      onLine: (line) => { if (/Kernel panic|VFS: Unable to mount root/.test(line)) sawPanic = true; },
    });
    const exit = await handle.result;
    const works = sawPanic && !exit.timedOut;
    if (cacheFile) {
      mkdirSync(dirname(cacheFile), { recursive: true });
      writeFileSync(cacheFile, JSON.stringify({ hostKernel: release(), works, checkedAt: new Date().toISOString() }));
    }
    return works;
  })();
  return kvmProbe;
}

/** 'auto' uses KVM only when the probe booted a guest with it; 'kvm' insists and fails clearly. */
export async function chooseAccel(preference: 'auto' | 'kvm' | 'tcg', kernel: string, cacheFile?: string): Promise<'kvm' | 'tcg'> {
  if (preference === 'tcg') return 'tcg';
  const works = await probeKvm(kernel, cacheFile);
  if (preference === 'kvm' && !works) {
    throw new SchedcpError('unsupported', 'config vm.accel is "kvm" but KVM cannot run a guest on this host (/dev/kvm missing or not working); set vm.accel to "auto" or "tcg".');
  }
  return works ? 'kvm' : 'tcg';
}
