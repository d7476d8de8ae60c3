// runInVm: boots the kit kernel with the base initramfs plus a per-run overlay (plan, workloads,
// policy objects), streams the guest's protocol lines into typed results, and always returns a
// result for guest failures (hang, panic) instead of throwing. Only bad input and cancellation throw.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { SchedcpError, quote } from '../errors.js';
import { assertSchedExtObject } from './bpf-object.js';
import { writeCpio, type CpioEntry } from './cpio.js';
import { GuestRunAssembler, outcomeSummary, parseGuestLine } from './guest-output.js';
import { chooseAccel, startQemu, vmSlots } from './qemu.js';
import type { Kit, PolicySpec, RunInVmOptions, VmRunResult, VmRunStatus, VmSettings } from './types.js';
import { toGuestWorkload, workloadsFile } from './workloads.js';

export const DEFAULT_VM_SETTINGS: VmSettings = { accel: 'auto', maxConcurrent: 1, memoryMiB: 1024, cpus: 2, timeoutSeconds: 120 };
const POLICY_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const CONSOLE_TAIL = 300;

async function policyOverlay(policies: readonly PolicySpec[]): Promise<{ entries: CpioEntry[]; planLines: string[] }> {
  const entries: CpioEntry[] = [];
  const planLines: string[] = [];
  const seen = new Set<string>();
  for (const [i, policy] of policies.entries()) {
    if (!POLICY_NAME.test(policy.name)) throw new SchedcpError('invalid_argument', `policy name ${quote(policy.name)} must be 1-64 letters, digits, _ . - characters.`);
    if (seen.has(policy.name)) throw new SchedcpError('invalid_argument', `policy name ${quote(policy.name)} is used twice; names label results and must be unique.`);
    seen.add(policy.name);
    const timeoutMs = policy.timeoutMs ?? 0;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > 30_000) {
      throw new SchedcpError('invalid_argument', `policy ${quote(policy.name)} timeoutMs ${quote(policy.timeoutMs)} must be an integer from 1 to 30000 (the kernel's watchdog limit), or omitted.`);
    }
    let data: Buffer;
    try {
      data = await readFile(policy.objectPath);
    } catch (error) {
      throw new SchedcpError('not_found', `policy object ${quote(policy.objectPath)} cannot be read (${(error as NodeJS.ErrnoException).code}); compile the policy first (compilePolicy).`, { cause: error });
    }
    assertSchedExtObject(data, `policy object ${quote(policy.objectPath)}`);
    const file = `p${i}.bpf.o`;
    entries.push({ type: 'file', path: `schedcp/${file}`, data });
    planLines.push(`policy ${policy.name} ${file} ${timeoutMs} ${policy.partial ? 1 : 0}`);
  }
  return { entries, planLines };
}

/** The VM a runInVm call with these settings would boot: CPUs, memory and accelerator (what a baseline depends on). */
export async function vmShape(kit: Kit, vm: Partial<VmSettings> = {}): Promise<{ cpus: number; memoryMiB: number; accel: 'kvm' | 'tcg' }> {
  const settings: VmSettings = { ...DEFAULT_VM_SETTINGS, ...loadConfig().vm, ...vm };
  return { cpus: settings.cpus, memoryMiB: settings.memoryMiB, accel: await chooseAccel(settings.accel, kit.bzImage, join(kit.dir, '..', 'kvm-probe.json')) };
}

/** Boots one micro-VM that loads each policy in turn and runs the workloads under it. */
export async function runInVm(kit: Kit, options: RunInVmOptions): Promise<VmRunResult> {
  // Unset settings come from the config file (vm section), so every caller honours vm.maxConcurrent and vm.accel.
  const settings: VmSettings = { ...DEFAULT_VM_SETTINGS, ...loadConfig().vm, ...options.vm };
  const timeoutSeconds = options.timeoutSeconds ?? settings.timeoutSeconds;
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 3600) {
    throw new SchedcpError('invalid_argument', `timeoutSeconds ${quote(timeoutSeconds)} must be from 1 to 3600.`);
  }
  if (options.policies.length === 0 && !options.baseline) {
    throw new SchedcpError('invalid_argument', 'runInVm needs at least one policy or baseline: true.');
  }
  const workloads = (options.workloads ?? []).map((w, i) => toGuestWorkload(w, i));
  const { entries, planLines } = await policyOverlay(options.policies);
  if (options.baseline) planLines.unshift('baseline');
  const overlay = writeCpio([
    { type: 'dir', path: 'schedcp' },
    { type: 'file', path: 'schedcp/plan', data: `${planLines.join('\n')}\n` },
    { type: 'file', path: 'schedcp/workloads', data: workloadsFile(workloads) },
    ...entries,
  ]);

  options.onProgress?.({ kind: 'queued' });
  const queuedAt = performance.now();
  const release = await vmSlots.acquire(settings.maxConcurrent, options.signal);
  const acquiredAt = performance.now();
  let tempDir: string | undefined;
  try {
    tempDir = await mkdtemp(join(tmpdir(), 'schedcp-vm-'));
    const needsStressNg = workloads.some((w) => w.argv[0] === 'stress-ng');
    const archives = [await readFile(kit.initramfs), ...(needsStressNg ? [await readFile(kit.stressNgInitramfs)] : []), overlay];
    // Concatenated newc archives must each start on a 4-byte boundary.
    const initrd = join(tempDir, 'initrd.cpio');
    await writeFile(initrd, Buffer.concat(archives.flatMap((a) => [a, Buffer.alloc((4 - (a.length % 4)) % 4)])));

    const accel = await chooseAccel(settings.accel, kit.bzImage, join(kit.dir, '..', 'kvm-probe.json'));
    options.onProgress?.({ kind: 'started', accel });
    const assembler = new GuestRunAssembler(options.policies.map((p) => p.name));
    const consoleLines: string[] = [];
    const malformed: string[] = [];
    let panic: string | undefined;
    let bootMs: number | undefined;
    let lastEvent = 'nothing (no protocol line at all)';
    let doneMs: number | undefined;
    const started = performance.now();

    const handle = startQemu({ kernel: kit.bzImage, initrd, accel, cpus: settings.cpus, memoryMiB: settings.memoryMiB }, {
      timeoutMs: timeoutSeconds * 1000,
      ...(options.signal && { signal: options.signal }),
      onLine: (line) => {
        const parsed = parseGuestLine(line);
        if (parsed.kind === 'event') {
          bootMs ??= performance.now() - started;
          lastEvent = `${parsed.event.type}${typeof parsed.event.policy === 'string' ? ` of policy ${quote(parsed.event.policy)}` : ''}`;
          const progress = assembler.push(parsed.event);
          if (progress) options.onProgress?.(progress);
          if (assembler.done && doneMs === undefined) {
            // "done" is the guest's last line, so all output before it has arrived: end qemu now instead
            // of waiting for the guest's console drain and reboot (80-400 ms under TCG).
            doneMs = performance.now() - started;
            handle.kill();
          }
        } else if (parsed.kind === 'malformed') {
          malformed.push(parsed.text.slice(0, 2000));
        } else {
          const text = parsed.text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').trimEnd();
          if (!text) return;
          if (/Kernel panic - not syncing/.test(text)) panic ??= text;
          consoleLines.push(text);
          if (consoleLines.length > CONSOLE_TAIL) consoleLines.shift();
        }
      },
    });
    const exit = await handle.result;
    if (exit.cancelled) throw new SchedcpError('cancelled', 'The VM run was cancelled by the caller; qemu was killed.');

    const policies = assembler.results();
    let status: VmRunStatus;
    let message: string;
    if (assembler.done) {
      status = 'completed';
      message = policies.map(outcomeSummary).join('; ') || 'baseline run completed';
    } else if (exit.timedOut) {
      status = 'hang';
      const last = policies.find((p) => p.outcome === 'incomplete');
      message = `VM hang: the guest did not finish within ${timeoutSeconds} s and qemu was killed${last ? ` (stuck in policy ${quote(last.name)}${last.workloads.length ? ` after workload ${quote(last.workloads.at(-1)!.name)}` : ''})` : ''}.`;
    } else {
      status = 'guest_crashed';
      message = panic
        ? `The guest kernel panicked: ${panic}`
        : `The VM stopped before finishing the plan (qemu exit ${exit.exitCode ?? exit.signal}${exit.stderr.trim() ? `: ${exit.stderr.trim().slice(-500)}` : ''}); the guest's last report was ${lastEvent}; see console for kernel messages.`;
    }
    options.onProgress?.({ kind: 'finished', status });
    return {
      status, message, accel,
      ...(assembler.kernelRelease && { kernelRelease: assembler.kernelRelease }),
      ...(assembler.guestCpus !== undefined && { guestCpus: assembler.guestCpus }),
      ...(assembler.guestBootMs !== undefined && { guestBootMs: assembler.guestBootMs }),
      ...(bootMs !== undefined && { bootMs: Math.round(bootMs) }),
      wallMs: Math.round(exit.wallMs),
      timings: {
        queuedMs: Math.round(acquiredAt - queuedAt), prepareMs: Math.round(started - acquiredAt),
        ...(doneMs !== undefined && { runMs: Math.round(doneMs), teardownMs: Math.round(exit.wallMs - doneMs) }),
      },
      policies,
      ...(assembler.baseline && { baseline: assembler.baseline }),
      console: consoleLines,
      ...(panic && { panic }),
      malformed,
      qemu: { argv: handle.argv, exitCode: exit.exitCode, signal: exit.signal },
    };
  } finally {
    try {
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    } finally {
      release();
    }
  }
}
