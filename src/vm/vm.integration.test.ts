// Real micro-VM tests: real kit, real clang, real qemu (TCG here). CI builds the kit first
// (`schedcp vm build`); without it these tests fail unless SCHEDCP_SKIP_VM_TESTS=1.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { compilePolicy, getKit, liveVmCount, runInVm, type Kit, type VmRunResult } from './index.js';

const SKIP = process.env.SCHEDCP_SKIP_VM_TESTS === '1';
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'policies');
let outDir = '';
const runs: VmRunResult[] = [];
let kit: Kit;
const objects: Record<string, string> = {};

function qemuStillRunning(result: VmRunResult): boolean {
  const initrd = result.qemu.argv[result.qemu.argv.indexOf('-initrd') + 1]!;
  try {
    execFileSync('pgrep', ['-f', initrd]);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(SKIP)('micro-VM (real qemu)', () => {
  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'schedcp-vm-test-'));
    try {
      kit = await getKit(loadConfig());
    } catch (error) {
      throw new Error(`VM kit missing: run \`schedcp vm build\` (${(error as Error).message})`);
    }
    for (const name of ['fifo_ok', 'never_dispatch', 'verifier_reject']) {
      objects[name] = (await compilePolicy(kit, { sourcePath: join(fixtures, `${name}.bpf.c`), outDir })).objectPath;
    }
  });

  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
    expect(liveVmCount()).toBe(0);
    for (const result of runs) {
      expect(qemuStillRunning(result)).toBe(false);
      expect(existsSync(dirname(result.qemu.argv[result.qemu.argv.indexOf('-initrd') + 1]!))).toBe(false);
    }
  });

  it('compiles policy source where no host file is visible (#include and __has_include find nothing)', async () => {
    writeFileSync(join(outDir, 'reads_host.bpf.c'), '#include "/etc/hostname"\nint x;\n');
    await expect(compilePolicy(kit, { sourcePath: join(outDir, 'reads_host.bpf.c'), outDir })).rejects.toThrow(/'\/etc\/hostname' file not found/);
    writeFileSync(join(outDir, 'probes_host.bpf.c'), '#if __has_include("/etc/passwd")\n#error host file visible\n#endif\nint y;\n');
    await expect(compilePolicy(kit, { sourcePath: join(outDir, 'probes_host.bpf.c'), outDir })).resolves.toMatchObject({ warningCount: 0 });
  });

  it('loads FIFO through hackbench, ejects never-dispatch on stall, reports the verifier rejection', async () => {
    const result = await runInVm(kit, {
      policies: [
        { name: 'fifo', objectPath: objects.fifo_ok! },
        { name: 'never_dispatch', objectPath: objects.never_dispatch!, timeoutMs: 1500 },
        { name: 'verifier_reject', objectPath: objects.verifier_reject! },
      ],
      workloads: [{ kind: 'hackbench', groups: 2, loops: 50 }],
      timeoutSeconds: 60,
    });
    runs.push(result);
    expect(result.status, `${result.message}\nconsole tail:\n${result.console.slice(-30).join('\n')}`).toBe('completed');
    expect(result.kernelRelease).toMatch(/^6\.12\./);
    expect(result.guestCpus).toBe(2);
    const [fifo, nd, vr] = result.policies;

    expect(fifo!.outcome).toBe('ok');
    expect(fifo!.load!.programs.map((p) => p.name)).toEqual(['fifo_select_cpu', 'fifo_enqueue', 'fifo_exit']);
    for (const p of fifo!.load!.programs) expect(p.processedInsns).toBeGreaterThan(0);
    expect(fifo!.attach!.sched_ext).toMatchObject({ state: 'enabled', ops: 'fifo_ok', switchAll: true });
    expect(fifo!.workloads[0]).toMatchObject({ exitCode: 0, schedulerEnabledAfter: true });
    expect(fifo!.workloads[0]!.metrics.seconds).toBeGreaterThan(0);
    expect(fifo!.detach).toMatchObject({ ok: true, wasEjected: false, exitKindName: 'UNREG' });
    expect(fifo!.detach!.sched_ext.state).toBe('disabled');

    expect(nd!.outcome).toBe('ejected');
    expect(nd!.load!.timeoutMs).toBe(1500);
    expect(nd!.eject).toMatchObject({ source: 'uei', kind: 1026, kindName: 'ERROR_STALL', reason: 'runnable task stall' });
    expect(nd!.eject!.message).toMatch(/watchdog failed to check in/);
    expect(nd!.dmesg.join('\n')).toMatch(/never_dispatch" disabled \(runnable task stall\)/);

    expect(vr!.outcome).toBe('verifier_rejected');
    expect(vr!.load).toMatchObject({ ok: false, failedProgram: 'vr_enqueue', errno: 13 });
    expect(vr!.load!.verifierLog).toMatch(/invalid mem access 'map_value_or_null'/);
    expect(vr!.load!.programs.find((p) => p.name === 'vr_enqueue')!.processedInsns).toBeGreaterThan(0);
  });

  it('kills a hung guest at the timeout and reports a VM hang', async () => {
    const result = await runInVm(kit, {
      policies: [{ name: 'fifo', objectPath: objects.fifo_ok! }],
      workloads: [{ kind: 'command', name: 'sleeper', argv: ['sleep', '1000'], timeoutSeconds: 3600 }],
      timeoutSeconds: 8,
    });
    runs.push(result);
    expect(result.status).toBe('hang');
    expect(result.qemu.signal).toBe('SIGKILL'); // killed by the host's timer, not by its own guest or the orphan guard
    expect(result.message).toMatch(/^VM hang: the guest did not finish within 8 s and qemu was killed \(stuck in policy "fifo"/);
    expect(result.policies[0]).toMatchObject({ outcome: 'incomplete', attach: { ok: true } });
  });

  it('reports a guest kernel panic as a result', async () => {
    const result = await runInVm(kit, {
      policies: [{ name: 'fifo', objectPath: objects.fifo_ok! }],
      workloads: [{ kind: 'command', name: 'crash', argv: ['sh', '-c', 'echo c > /proc/sysrq-trigger'] }],
      timeoutSeconds: 60,
    });
    runs.push(result);
    expect(result.status).toBe('guest_crashed');
    expect(result.panic).toMatch(/Kernel panic - not syncing: sysrq triggered crash/);
    expect(result.message).toMatch(/^The guest kernel panicked/);
    expect(result.policies[0]).toMatchObject({ outcome: 'incomplete', attach: { ok: true } });
  });

  it('kills qemu when the caller aborts', async () => {
    const controller = new AbortController();
    const promise = runInVm(kit, {
      policies: [{ name: 'fifo', objectPath: objects.fifo_ok! }],
      workloads: [{ kind: 'idle', seconds: 600 }],
      timeoutSeconds: 120,
      signal: controller.signal,
      onProgress: (e) => { if (e.kind === 'policy' && e.stage === 'attached') controller.abort(); },
    });
    await expect(promise).rejects.toMatchObject({ code: 'cancelled' });
    expect(liveVmCount()).toBe(0);
  });

  it('refuses bad objects before booting, naming the problem and the fix', async () => {
    const notBpf = join(outDir, 'not_bpf.bpf.o');
    writeFileSync(notBpf, 'this is not an ELF file at all, just text\n'.repeat(3));
    await expect(runInVm(kit, { policies: [{ name: 'x', objectPath: notBpf }] })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/is not an ELF file.*compile the policy/) });
    const noOps = (await compilePolicy(kit, { sourceText: '#include <scx/common.bpf.h>\nchar _license[] SEC("license") = "GPL";\nSEC("tp/sched/sched_switch") int on_switch(void *ctx) { return 0; }\n', name: 'no_ops', outDir })).objectPath;
    await expect(runInVm(kit, { policies: [{ name: 'x', objectPath: noOps }] })).rejects.toMatchObject({ message: expect.stringMatching(/without a struct_ops section/) });
    await expect(runInVm(kit, { policies: [{ name: 'x', objectPath: join(outDir, 'missing.bpf.o') }] })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('reports compile errors with a hint for 6.13+ kfunc names', async () => {
    const source = '#include <scx/common.bpf.h>\nchar _license[] SEC("license") = "GPL";\nvoid BPF_STRUCT_OPS(e, struct task_struct *p, u64 f) { scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, f); }\n';
    await expect(compilePolicy(kit, { sourceText: source, name: 'newer_api', outDir })).rejects.toMatchObject({
      code: 'compile_failed',
      message: expect.stringMatching(/does not compile[\s\S]*scx_bpf_dsq_insert does not exist in Linux 6\.12, use scx_bpf_dispatch/),
    });
  });

  it('says how to fix a missing kit', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'schedcp-nokit-'));
    try {
      await expect(getKit({ cacheDir: empty })).rejects.toMatchObject({ code: 'precondition_failed', message: expect.stringMatching(/VM kit missing or stale: run `schedcp vm build`/) });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
