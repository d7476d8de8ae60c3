// The feedback channel: parsers on captured output, parameter validation, and real runs stored in a
// real SQLite database. The 2× slowdown is injected for real: a CPU hog pinned to the same CPU as
// the workload takes half of that CPU during the candidate run.
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/helpers/app.js';
import { withCpuLock } from '../../../test/helpers/cpu-lock.js';
import { compareToBaseline, getWorkloadRun, listBaselines, runWorkload, saveBaseline, workloadCatalog, type WorkloadRun } from '../index.js';
import { compileTree, findWorkload, parseCyclictest, parseHackbench, parseStressNg, resolveParams } from './registry.js';
import { poolRuns } from './store.js';

const SPIN = ['taskset', '-c', '0', 'stress-ng', '--cpu', '1', '--cpu-ops', '600', '--cpu-method', 'int64', '-q'];
const testApp = createTestApp({ analysis: { workloadCommands: { spin: SPIN } } }, { prefix: 'schedcp-workload-test' });
const { app } = testApp;
afterAll(() => testApp.close());



describe('workload registry', () => {
  it('parses captured hackbench, stress-ng and cyclictest output', () => {
    expect(parseHackbench('Running in process mode with 2 groups\nTime: 0.096\n')).toEqual({ time_ms: 96 });
    expect(() => parseHackbench('nothing')).toThrow(/Time:/);
    const ng = 'stress-ng: metrc: [1] stressor       bogo ops real time  usr time  sys time   bogo ops/s     bogo ops/s\nstress-ng: metrc: [1] switch            40000      0.05      0.03      0.04    800000.00    571428.57\nstress-ng: metrc: [1] switch              5114.08 nanosecs per context switch (pipe method)\n';
    expect(parseStressNg(ng, 'switch')).toEqual({ bogo_ops: 40000, bogo_ops_per_s: 800000, ns_per_switch: 5114.08 });
    const ct = '# /dev/cpu_dma_latency set to 0us\n000010 000050\t000040\n000020 000008\t000001\n000090 000001\t000000\n# Total: 000000059 000000041\n# Max Latencies: 00090 00020\n# Histogram Overflows: 00000 00000\n';
    expect(parseCyclictest(ct)).toEqual({ p50_us: 10, p90_us: 10, p99_us: 20, max_us: 90, samples: 100, overflows: 0 });
  });

  it('validates workload names and parameters with what is allowed', () => {
    expect(() => findWorkload('fio', {})).toThrow(/Unknown workload "fio". Available: hackbench, stress_switch, stress_mix, compile, wakeup_latency/);
    const hb = findWorkload('hackbench', {});
    expect(resolveParams(hb, { loops: '50' })).toEqual({ groups: 4, loops: 50, threads: 0 });
    expect(() => resolveParams(hb, { loop: 5 })).toThrow(/no parameter "loop"; allowed: groups, loops, threads/);
    expect(() => resolveParams(hb, { groups: 1000 })).toThrow(/groups="1000".* 1\.\.64/);
    expect(() => resolveParams(hb, { groups: '4; rm -rf /' })).toThrow(/must be an integer/);
    expect(Object.keys(compileTree(3))).toEqual(['unit0.c', 'unit1.c', 'unit2.c', 'Makefile']);
    expect(workloadCatalog(app).map((w) => w.name)).toContain('spin');
  });
});

/** Runs fn while a stress-ng CPU hog spins on CPU 0 (the one the spin workload is pinned to). */
async function withCpuHog<T>(fn: () => Promise<T>): Promise<T> {
  const hog = spawn('taskset', ['-c', '0', 'stress-ng', '--cpu', '1', '--timeout', '60', '-q'], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 300)); // its worker is forked and spinning
    return await fn();
  } finally {
    hog.kill('SIGINT');
    if (hog.exitCode === null) await new Promise((r) => hog.once('exit', r));
  }
}

/** Single-trial runs of two arms in the order A B, B A, A B ..., pooled into one stored run per arm. */
async function interleaved(rounds: number, a: () => Promise<WorkloadRun>, b: () => Promise<WorkloadRun>): Promise<[WorkloadRun, WorkloadRun]> {
  const ids: [number[], number[]] = [[], []];
  for (let round = 0; round < rounds; round++) {
    for (const arm of round % 2 === 0 ? [0, 1] as const : [1, 0] as const) ids[arm].push((await (arm === 0 ? a : b)()).id);
  }
  const pooled = [poolRuns(app.db, ids[0]), poolRuns(app.db, ids[1])] as const;
  expect(pooled[1].trials).toEqual(ids[1].flatMap((id) => getWorkloadRun(app, id).trials));
  return [...pooled];
}

describe('feedback channel on real workloads', () => {
  it('runs hackbench trials, summarizes them and stores the run', async () => {
    const progress: string[] = [];
    const run = await runWorkload(app, { workload: 'hackbench', trials: 3, params: { groups: 1, loops: 50 }, onProgress: (_d, _t, m) => progress.push(m) });
    expect(run.id).toBeGreaterThan(0);
    expect(run.trials).toHaveLength(3);
    expect(run.primaryMetric).toBe('time_ms');
    expect(run.summary.time_ms!.n).toBe(3);
    expect(run.summary.duration_ms!.p50).toBeGreaterThan(run.summary.time_ms!.min * 0.5);
    expect(progress.at(-1)).toMatch(/3 trials done/);
    await expect(runWorkload(app, { workload: 'hackbench', trials: 0 })).rejects.toThrow(/trials "0" must be an integer in 1\.\.50/);
  });

  it('runs the compile and wakeup-latency workloads', async () => {
    const compile = await runWorkload(app, { workload: 'compile', trials: 1, params: { files: 4, jobs: 2 } });
    expect(compile.summary.duration_ms!.p50).toBeGreaterThan(0);
    const wake = await runWorkload(app, { workload: 'wakeup_latency', trials: 1, params: { seconds: 1, threads: 1 } });
    expect(wake.trials[0]!.metrics.samples).toBeGreaterThan(500);
    expect(wake.trials[0]!.metrics.p99_us).toBeGreaterThanOrEqual(wake.trials[0]!.metrics.p50_us!);
  });

  it('detects an injected 2× slowdown and calls an unchanged rerun within noise', () => withCpuLock(async () => {
    // A discarded warm-up run first: a cold first run (page cache, CPU frequency, the previous test
    // file's exit) made the baseline slow, and the unchanged rerun then read as 'better' (seen in CI).
    await runWorkload(app, { workload: 'spin', trials: 2 });
    const spinTrial = () => runWorkload(app, { workload: 'spin', trials: 1 });

    // Injected fault: a CPU hog on the workload's CPU halves its share of that CPU; started for each
    // slowed trial, so those alternate with baseline trials.
    const [base, slow] = await interleaved(6, spinTrial, () => withCpuHog(spinTrial));
    saveBaseline(app, 'spin-base', base.id);
    expect(() => saveBaseline(app, 'spin-base', base.id)).toThrow(/already exists/);
    const worse = compareToBaseline(app, { baseline: 'spin-base', runId: slow.id });
    expect(worse.comparison.verdict, worse.summary).toBe('worse');
    expect(worse.comparison.ratio).toBeGreaterThan(1.5);
    expect(worse.summary).toMatch(/duration_ms \+\d+.*→ worse/);

    // The unchanged rerun, alternated with reference trials the same way: run back to back, whichever
    // arm caught a busier minute on this shared 2-core box read 'better' or 'worse'.
    const [ref, same] = await interleaved(8, spinTrial, spinTrial);
    expect(same.summary.duration_ms!.n).toBe(8);
    saveBaseline(app, 'spin-ref', ref.id);
    // 10%: single trials on the shared box still jitter; the pooled medians must agree within that.
    const noise = compareToBaseline(app, { baseline: 'spin-ref', runId: same.id, minEffectPct: 10 });
    expect(noise.comparison.verdict, noise.summary).toBe('within_noise');
  }), 120_000);

  it('refuses comparisons that make no sense', async () => {
    const other = await runWorkload(app, { workload: 'hackbench', trials: 1, params: { groups: 1, loops: 20 } });
    expect(() => compareToBaseline(app, { baseline: 'spin-base', runId: other.id })).toThrow(/not comparable.*workload and parameters must match/);
    expect(() => compareToBaseline(app, { baseline: 'nope', runId: other.id })).toThrow(/No baseline named "nope". Saved baselines: spin-base/);
    expect(() => compareToBaseline(app, { baseline: 'spin-base', runId: 999_999 })).toThrow(/No workload run with id "999999"/);
    const spin = listBaselines(app).find((b) => b.name === 'spin-base')!.runId;
    expect(() => poolRuns(app.db, [spin, other.id])).toThrow(new RegExp(`Run ${other.id} \\(hackbench .*cannot be pooled with run ${spin} \\(spin .*must match`));
    expect(() => poolRuns(app.db, [spin])).toThrow(/at least 2 run ids, got "\[\d+\]"/);
  });
});
