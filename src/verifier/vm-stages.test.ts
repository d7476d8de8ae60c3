// The interpretation of micro-VM results (pure). Inputs are VmRunResult-shaped records as the
// runner produces them; the real runs are covered in test/verifier.vm.test.ts.
import { describe, expect, it } from 'vitest';
import type { PolicyRunResult, VmRunResult, WorkloadResult } from '../vm/index.js';
import { loadSuite } from './suite.js';
import { baseName, deployModesFor, dynamicStage, explainVerifierLog, kernelVerifierStage, performanceStage, planWorkloads } from './vm-stages.js';

const suite = loadSuite();
const sched = { state: 'enabled', ops: 'x', nrRejected: 0, enableSeq: 1, switchAll: true };
const workload = (name: string, wallMs: number, extra: Partial<WorkloadResult> = {}): WorkloadResult => ({
  name, argv: ['hackbench'], exitCode: 0, signal: null, timedOut: false, wallMs, userMs: 0, sysMs: 0, voluntaryCtxsw: 0, involuntaryCtxsw: 0,
  schedulerEnabledAfter: true, output: '', metrics: {}, ...extra,
});
const vm = (policies: PolicyRunResult[], baseline?: WorkloadResult[]): VmRunResult => ({
  status: 'completed', message: 'ok', accel: 'tcg', kernelRelease: '6.12.0', wallMs: 1, policies, console: [], malformed: [],
  qemu: { argv: [], exitCode: 0, signal: null }, ...(baseline ? { baseline } : {}),
});
const loaded = { ok: true, durationMs: 40, hasUei: true, timeoutMs: 3000, programs: [{ name: 'x_enqueue', section: 'struct_ops/x_enqueue', insns: 20, loaded: true, processedInsns: 35, insnLimit: 1_000_000, peakStates: 3, totalStates: 3, stackDepth: [8], verificationTimeUs: 50, raw: '' }] };

describe('planWorkloads', () => {
  it('runs correctness workloads once and performance workloads once per trial', () => {
    const plan = planWorkloads(suite, true);
    const names = plan.map((w) => w.name!);
    for (const p of suite.performance.workloads) {
      expect(names.filter((n) => baseName(n) === p.workload)).toHaveLength(suite.performance.trials);
    }
    expect(names.filter((n) => n === 'idle')).toHaveLength(1);
    expect(planWorkloads(suite, false).map((w) => w.name)).toEqual(suite.correctness.map((w) => w.name));
  });
});

describe('kernel verifier stage', () => {
  it('reports per-program stats on acceptance', () => {
    const stage = kernelVerifierStage({ name: 'p0', outcome: 'ok', load: loaded, workloads: [], dmesg: [] }, vm([]));
    expect(stage.verdict).toBe('pass');
    expect((stage.evidence as { programs: Array<{ limitUsedPct: number }> }).programs[0]!.limitUsedPct).toBeCloseTo(0.0035);
  });
  it('explains a rejection with the kernel error and the source line', () => {
    const log = [
      '0: R1=ctx() R10=fp0', '; u64 *v = bpf_map_lookup_elem(&counts, &key); @ policy.bpf.c:21', '3: (85) call bpf_map_lookup_elem#1',
      '; *v += 1; @ policy.bpf.c:22', '4: (79) r1 = *(u64 *)(r0 +0)', "R0 invalid mem access 'map_value_or_null'",
      'processed 5 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0',
    ].join('\n');
    expect(explainVerifierLog(log).error).toBe("R0 invalid mem access 'map_value_or_null'");
    const loop = ['5: (16) if w2 == 0x0 goto pc-2        ; R2_w=0', 'infinite loop detected at insn 4', 'cur state: R1=trusted_ptr_task_struct() R2_w=0', 'old state: R1_w=trusted_ptr_task_struct() R2_w=0', 'verification time 1148 usec', 'stack depth 8', 'processed 11 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 1'].join('\n');
    expect(explainVerifierLog(loop).error).toBe('infinite loop detected at insn 4');
    const stage = kernelVerifierStage({ name: 'p0', outcome: 'verifier_rejected', load: { ...loaded, ok: false, failure: 'verifier_rejected', failedProgram: 'x_enqueue', verifierLog: log }, workloads: [], dmesg: [] }, vm([]));
    expect(stage).toMatchObject({ verdict: 'fail', failureClass: 'kernel_verifier_rejected' });
    expect(stage.reason).toBe("kernel verifier rejected x_enqueue: R0 invalid mem access 'map_value_or_null' at `*v += 1; @ policy.bpf.c:22`");
  });
});

describe('dynamic stage', () => {
  const plan = planWorkloads(suite, false);
  const attach = { ok: true, durationMs: 5, sched_ext: sched };
  it('passes when the scheduler stays attached and every workload completes', () => {
    const run: PolicyRunResult = { name: 'p0', outcome: 'ok', load: loaded, attach, workloads: plan.map((w) => workload(w.name!, 100)), dmesg: [] };
    expect(dynamicStage(run, vm([run]), plan).verdict).toBe('pass');
  });
  it('fails a policy the loader never attached or that it left early, even when the VM completed', () => {
    const never: PolicyRunResult = { name: 'p0', outcome: 'incomplete', load: loaded, workloads: [], dmesg: [], loaderExitStatus: 139 };
    expect(dynamicStage(never, vm([never]), plan)).toMatchObject({ verdict: 'fail', failureClass: 'dynamic_failure', summary: 'the policy was never attached: the guest loader stopped after loading it (exit status 139)' });
    const crashed: PolicyRunResult = { name: 'p0', outcome: 'incomplete', load: loaded, attach, workloads: plan.map((w) => workload(w.name!, 100)), dmesg: [], loaderExitStatus: 139 };
    expect(dynamicStage(crashed, vm([crashed]), plan)).toMatchObject({ verdict: 'fail', summary: 'the guest loader exited with status 139 after attaching the policy' });
  });
  it('names a watchdog stall and the workload it happened in', () => {
    const run: PolicyRunResult = {
      name: 'p0', outcome: 'ejected', load: loaded, attach, workloads: [workload('hackbench', 3100, { exitCode: 0, schedulerEnabledAfter: false })], dmesg: ['sched_ext: BPF scheduler "x" disabled (runnable task stall)'],
      eject: { source: 'uei', kindName: 'ERROR_STALL', reason: 'runnable task stall', message: 'hackbench[77] failed to run for 3.2s', afterMs: 3200, duringWorkload: 'hackbench', sched_ext: sched },
    };
    const stage = dynamicStage(run, vm([run]), plan);
    expect(stage).toMatchObject({ verdict: 'fail', failureClass: 'dynamic_failure' });
    expect(stage.summary).toMatch(/^task stall: the watchdog ejected the scheduler during hackbench: runnable task stall: hackbench\[77\] failed to run for 3\.2s \(seen by the loader 3200 ms after attach\)/);
  });
  it('names scx_bpf_error and failing or timed-out workloads', () => {
    const run: PolicyRunResult = {
      name: 'p0', outcome: 'ejected', load: loaded, attach, workloads: [workload('hackbench', 10, { timedOut: true }), workload('fork_exec_storm', 10, { exitCode: 1 })], dmesg: [],
      eject: { source: 'uei', kindName: 'ERROR_BPF', reason: 'scx_bpf_error', message: 'invalid DSQ ID 0x1234', afterMs: 12, sched_ext: sched },
    };
    const stage = dynamicStage(run, vm([run]), plan);
    expect(stage.summary).toMatch(/called scx_bpf_error\(\).*invalid DSQ ID 0x1234/);
    expect(stage.reason).toMatch(/hackbench did not finish within its bound; workload fork_exec_storm exited with 1/);
  });
});

describe('performance stage', () => {
  const trials = (base: string, values: number[]) => values.map((v, i) => workload(`${base}.t${i + 1}`, v));
  // Wakeup lateness beside CPU hogs (µs), as the guest's schedcp-probe reports it, and its
  // cpuParallelism = (user + sys) / wall (hogs included): par = 100 means one CPU kept busy.
  const wake = (p50s: number[], par: number[] = [200, 200, 200]) => p50s.map((p50, i) => workload(`wake_beside_hogs.t${i + 1}`, 1000, { userMs: (par[i] ?? 200) * 10, metrics: { p50Us: p50, p99Us: p50 * 4, maxUs: p50 * 5 } }));
  const baseline = [...trials('hackbench', [1000, 1040, 980]), ...trials('fork_exec_storm', [500, 510, 490]), ...wake([400, 2000, 600], [200, 204, 196])];
  const sound = () => [...trials('hackbench', [1000, 1000, 1000]), ...trials('fork_exec_storm', [500, 500, 500])];
  it('fails a policy that keeps woken tasks waiting behind CPU hogs, naming wakeup latency, even under TCG', () => {
    const run: PolicyRunResult = { name: 'p0', outcome: 'ok', workloads: [...sound(), ...wake([180_000, 250_000, 90_000])], dmesg: [] };
    const stage = performanceStage(run, baseline, suite, 'tcg');
    expect(stage).toMatchObject({ verdict: 'fail', failureClass: 'perf_regression' });
    expect(stage.reason).toMatch(/wakeup latency beside CPU hogs \(wake_beside_hogs\) p50 180\.0 ms vs 0\.60 ms under the default scheduler \(300\.0x; p99 720\.0 ms vs 2\.40 ms/);
  });
  it('does not fail slower wakeups below the absolute floor, and warns only above the warning floor', () => {
    const tensOfMs = performanceStage({ name: 'p0', outcome: 'ok', workloads: [...sound(), ...wake([19_000, 22_000, 18_000])], dmesg: [] }, baseline, suite, 'tcg');
    expect(tensOfMs.verdict).toBe('pass'); // a 20 ms default slice: normal for a FIFO policy beside hogs
    const warned = performanceStage({ name: 'p0', outcome: 'ok', workloads: [...sound(), ...wake([60_000, 70_000, 65_000])], dmesg: [] }, baseline, suite, 'tcg');
    expect(warned.verdict).toBe('warn');
    expect(warned.reason).toMatch(/^higher wakeup latency beside CPU hogs .* p50 65\.0 ms/);
  });
  it('fails a gross regression, reporting ratio and spread', () => {
    const run: PolicyRunResult = { name: 'p0', outcome: 'ok', workloads: [...trials('hackbench', [2100, 2050, 2000]), ...trials('fork_exec_storm', [505, 500, 495]), ...wake([500, 600, 700], [198, 202, 200])], dmesg: [] };
    const stage = performanceStage(run, baseline, suite, 'kvm');
    expect(stage).toMatchObject({ verdict: 'fail', failureClass: 'perf_regression' });
    expect(stage.reason).toMatch(/hackbench wallMs \+105\.0% \(ratio 2\.05, spread [\d.]+%, threshold 30%\).*micro-VM timings/);
    expect(stage.reason).not.toMatch(/fork_exec_storm/);
  });
  it('only warns about emulated wall-time regressions under TCG (they do not gate)', () => {
    const run: PolicyRunResult = { name: 'p0', outcome: 'ok', workloads: [...trials('hackbench', [2100, 2050, 2000]), ...wake([500, 600, 700], [198, 202, 200])], dmesg: [] };
    const stage = performanceStage(run, baseline, suite, 'tcg');
    expect(stage.verdict).toBe('warn');
    expect(stage.reason).toMatch(/advisory under TCG, not gating\): hackbench wallMs \+105\.0%/);
  });
  it('does not reject a slowdown within the measured spread', () => {
    const noisyBase = [...trials('hackbench', [1000, 1600, 700])];
    const run: PolicyRunResult = { name: 'p0', outcome: 'ok', workloads: trials('hackbench', [1450, 1500, 1400]), dmesg: [] };
    const stage = performanceStage(run, noisyBase, suite, 'kvm');
    expect(stage.verdict).not.toBe('fail');
  });
  it('allows full deploys only when every suite workload was compared', () => {
    const full = { name: 'p0', outcome: 'ok' as const, workloads: [...sound(), ...wake([500, 600, 700])], dmesg: [] };
    expect(deployModesFor(performanceStage(full, baseline, suite, 'tcg'))).toEqual(['canary', 'full']);
    expect(deployModesFor(performanceStage({ ...full, workloads: sound() }, baseline, suite, 'tcg'))).toEqual(['canary']);
    expect(deployModesFor(performanceStage(full, [], suite, 'tcg'))).toEqual(['canary']);
    expect(deployModesFor(performanceStage({ ...full, workloads: full.workloads.slice(3) }, baseline, suite, 'tcg'))).toEqual(['canary']);
    expect(deployModesFor(performanceStage({ ...full, workloads: full.workloads.slice(0, 6) }, baseline, suite, 'tcg'))).toEqual(['canary']);
    expect(deployModesFor(undefined)).toEqual(['canary']);
  });
  it('treats higher-is-better metrics the right way round', () => {
    const run: PolicyRunResult = { name: 'p0', outcome: 'ok', workloads: [...trials('hackbench', [1000, 1000, 1000]), ...trials('fork_exec_storm', [500, 500, 500]), ...wake([500, 600, 700], [80, 82, 78])], dmesg: [] };
    const stage = performanceStage(run, baseline, suite, 'tcg');
    expect(stage).toMatchObject({ verdict: 'fail', failureClass: 'perf_regression' });
    expect(stage.reason).toMatch(/wake_beside_hogs cpuParallelism -60\.0%/);
  });
});
